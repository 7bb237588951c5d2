"""Private: one progress line, as tqdm draws it, for training and for long gradient checks.

Not public API. The line gives the percentage, a bar, the count, the elapsed time, the time
left and the rate, then a short status (the loss, say). It is redrawn by time, not by step:
in place with ``\\r`` on a terminal (fitted to its width), through one display handle in a
Jupyter or Colab kernel, and as a few plain lines anywhere else (a log file, CI).
"""
import shutil
import sys
import time

__all__ = ["ProgressLine"]


class ProgressLine:
    """Progress of `total` steps of `unit` ("epoch", "call"), drawn on stderr or in a notebook.

    ``update(done, status)`` after each step; ``close(note)`` at the end, or with a note
    such as "interrupted at epoch 7 of 500" when stopped early.
    """

    REDRAW = 0.1  # seconds between redraws in place
    PLAIN_LINES = 5  # lines written where nothing can be redrawn

    def __init__(self, total, unit, stream=None):
        self.total, self.unit = total, unit
        self.stream = stream or sys.stderr
        self.handle = _notebook_handle()
        self.live = self.handle is not None or self.stream.isatty()
        self.start = time.perf_counter()
        self.next_draw = 0.0
        self.next_plain = 1
        self.last = ""

    def update(self, done, status=""):
        now = time.perf_counter()
        if self.live:
            if now < self.next_draw and done < self.total:
                return
            self.next_draw = now + self.REDRAW
        elif done * self.PLAIN_LINES < self.next_plain * self.total and done < self.total:
            return
        else:
            self.next_plain = done * self.PLAIN_LINES // self.total + 1
        self._draw(self.line(done, status, now))

    def line(self, done, status="", now=None):
        """The text of the line at `done` steps, fitted to the terminal's width."""
        elapsed = (now or time.perf_counter()) - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else 0.0
        count = f"{done}/{self.total} {self.unit}s"
        times = f"{_clock(elapsed)}<{_clock(left)}, {rate:.3g} {self.unit}s/s"
        # Only a line redrawn in a terminal must fit its width; a log file or a notebook
        # takes a line of up to 120 characters.
        terminal = self.live and self.handle is None
        width = shutil.get_terminal_size((120, 20)).columns - 1 if terminal else 120
        percent, filled = f"{done / self.total:4.0%}", int(20 * done / self.total)
        bar = f"|{'#' * filled}{'.' * (20 - filled)}|"
        # Widest first; a narrow terminal loses the bar, then the rate, then the times.
        for parts in ((percent, bar, count, f"[{times}]", status),
                      (percent, count, f"[{times}]", status),
                      (percent, count, f"[{_clock(elapsed)}<{_clock(left)}]", status),
                      (percent, count, status)):
            text = " ".join(p for p in parts if p)
            if len(text) <= width:
                return text
        return text[:width]

    def close(self, note=""):
        """End the line: a newline in a terminal, then `note` on a line of its own."""
        if self.live and self.handle is None and self.last:
            print(file=self.stream, flush=True)
        if note:
            if self.handle is not None:
                self.handle.update({"text/plain": f"{self.last}\n{note}"}, raw=True)
            else:
                print(note, file=self.stream, flush=True)

    def _draw(self, text):
        self.last = text
        if self.handle is not None:
            self.handle.update({"text/plain": text}, raw=True)
        elif self.live:
            # \r returns to the line's start; ESC[K erases what a longer line left.
            print(f"\r{text}\033[K", end="", file=self.stream, flush=True)
        else:
            print(text, file=self.stream, flush=True)


def _clock(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes:02d}:{seconds:02d}"


def _notebook_handle():
    """A display handle inside a Jupyter kernel (Colab's included), else None.

    The kernel's shell is recognised by isinstance, so subclasses such as Colab's count;
    IPython and ipykernel are only consulted when the running program already imported them.
    """
    ipython, zmqshell = sys.modules.get("IPython"), sys.modules.get("ipykernel.zmqshell")
    if ipython is None or zmqshell is None:
        return None
    shell = ipython.get_ipython()
    if not isinstance(shell, zmqshell.ZMQInteractiveShell):
        return None
    from IPython.display import display

    return display({"text/plain": ""}, raw=True, display_id=True)
