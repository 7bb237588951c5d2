"""Tests of q1d_train: SGD on a spiral learns, is deterministic, plots, and refuses bad input."""
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from q1d_train import TrainingDivergedError, accuracy, main, make_spiral, save_plot, train

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(epochs=150, verbose=False)


@pytest.fixture(scope="module")
def small_spiral():
    return make_spiral(n_per_class=40, seed=3)


def test_make_spiral_shapes_classes_and_seed():
    data, labels = make_spiral(n_per_class=50, n_classes=4, seed=7)
    assert data.shape == (200, 2) and labels.shape == (200,)
    assert np.array_equal(np.bincount(labels), [50] * 4)
    assert np.all(np.hypot(data[:, 0], data[:, 1]) <= 1 + 1e-12)
    assert np.array_equal(make_spiral(seed=7)[0], make_spiral(seed=7)[0])
    assert not np.array_equal(make_spiral(seed=7)[0], make_spiral(seed=8)[0])
    with pytest.raises(ValueError, match="n_classes >= 2, got 5 and 1"):
        make_spiral(5, 1)


def test_training_on_a_small_spiral_learns_it(small_spiral):
    data, labels = small_spiral
    params, history = train(data, labels, (2, 30, 3), **SMALL)
    assert len(history["loss"]) == len(history["accuracy"]) == 150
    assert history["loss"][-1] < history["loss"][0] / 5
    assert accuracy(data, labels, params, (2, 30, 3)) >= 0.9
    held_out, held_out_labels = make_spiral(n_per_class=40, seed=4)
    assert accuracy(held_out, held_out_labels, params, (2, 30, 3)) >= 0.85


def test_same_seed_same_result_bit_for_bit(small_spiral):
    data, labels = small_spiral
    first = train(data, labels, (2, 10, 3), epochs=20, verbose=False, seed=5)
    second = train(data, labels, (2, 10, 3), epochs=20, verbose=False, seed=5)
    other = train(data, labels, (2, 10, 3), epochs=20, verbose=False, seed=6)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    assert not np.array_equal(first[0], other[0])


def test_defaults_infer_dimensions_and_accept_one_hot_labels(small_spiral):
    data, labels = small_spiral
    params, _ = train(data, np.eye(3)[labels], epochs=2, verbose=False)
    assert params.size == (2 + 1) * 100 + (100 + 1) * 3
    assert accuracy(data, np.eye(3)[labels], params, (2, 100, 3)) == accuracy(
        data, labels, params, (2, 100, 3))


def test_progress_is_a_few_plain_lines_on_stderr_when_not_live_and_silence(small_spiral,
                                                                           capsys):
    data, labels = small_spiral
    train(data, labels, (2, 5, 3), epochs=40)
    out, err = capsys.readouterr()
    err = err.splitlines()
    assert out == "" and len(err) == 5
    assert err[-1].startswith("100% |####################| 40/40 epochs [00:00<00:00, ")
    assert "epochs/s] loss " in err[-1] and "accuracy" in err[-1]
    train(data, labels, (2, 5, 3), epochs=40, verbose=False)
    assert capsys.readouterr() == ("", "")


def test_progress_in_a_kernel_is_one_display_updated_in_place_colab_included(small_spiral,
                                                                            capsys,
                                                                            monkeypatch):
    class ZMQInteractiveShell:  # ipykernel's shell class
        pass

    class ColabShell(ZMQInteractiveShell):  # Colab's subclasses it
        pass

    updates, shown = [], []

    class Handle:
        def update(self, data, raw):
            updates.append(data["text/plain"])

    def display(data, raw, display_id):
        shown.append(data)
        return Handle()

    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=ColabShell))
    monkeypatch.setitem(sys.modules, "IPython.display", types.SimpleNamespace(display=display))
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell",
                        types.SimpleNamespace(ZMQInteractiveShell=ZMQInteractiveShell))
    data, labels = small_spiral
    train(data, labels, (2, 5, 3), epochs=40)
    assert capsys.readouterr() == ("", "")  # nothing on stderr's red background
    assert len(shown) == 1 and 1 <= len(updates) <= 40  # redrawn by time, not per epoch
    assert updates[-1].startswith("100% |") and "40/40 epochs" in updates[-1]


@pytest.mark.parametrize("columns", [50, 120])
def test_the_progress_line_fits_the_terminal(columns, monkeypatch):
    from _q1_progress import ProgressLine

    monkeypatch.setenv("COLUMNS", str(columns))
    progress = ProgressLine(2000, "epoch")
    progress.live = True  # as on a terminal
    line = progress.line(700, "loss 0.1113 accuracy 95.7%")
    assert len(line) < columns and line.startswith(" 35%")
    assert ("|" in line) == (columns == 120)  # the bar only where it fits


def test_ctrl_c_ends_the_line_says_where_and_exits_130(monkeypatch, capsys):
    import q1c_neural

    real, calls = q1c_neural._forward_backward, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 50:  # in epoch 3: 19 batches an epoch, after the initial loss
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(q1c_neural, "_forward_backward", interrupted)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a terminal: one line in place
    assert main(["--epochs", "500"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.endswith("\ninterrupted at epoch 3 of 500\n")


@pytest.mark.parametrize("args, message", [
    (dict(data=np.zeros(6)), r"data of shape \(N, Dx\).*got \(6,\) and \(6,\)"),
    (dict(labels=np.zeros(5, dtype=int)), r"got \(6, 2\) and \(5,\)"),
    (dict(epochs=0), "epochs must be a positive integer, got 0"),
    (dict(epochs=2.5), "epochs must be a positive integer, got 2.5"),
    (dict(batch_size=-1), "batch_size must be a positive integer, got -1"),
    (dict(learning_rate=0.0), "learning_rate must be a positive finite number, got 0.0"),
    (dict(learning_rate=float("nan")), "positive finite number, got nan"),
    (dict(data=np.array([[0.0, 1], [np.nan, 2]] * 3)), r"data must be finite, got nan at row "
                                                       r"1, column 0"),
    (dict(labels=np.array([1, 2, 3, 1, 2, 3])), r"labels run from 1 to 3, so class 0 never "
                                                r"occurs: number the classes from 0 \(labels "
                                                r"- 1\)"),
])
def test_bad_input_is_refused(args, message):
    call = dict(data=np.zeros((6, 2)), labels=np.array([0, 1, 2, 0, 1, 2]), verbose=False)
    call.update(args)
    with pytest.raises(ValueError, match=message):
        train(**call)


def test_a_learning_rate_that_is_not_a_number_names_learning_rate():
    with pytest.raises(TypeError, match="learning_rate must be a positive finite number, got "
                                        "'2' of type str"):
        train(np.zeros((6, 2)), np.array([0, 1, 2, 0, 1, 2]), learning_rate="2", verbose=False)


def test_divergence_stops_with_the_epoch_and_a_smaller_learning_rate(small_spiral):
    data, labels = small_spiral
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch 1: .*smaller learning "
                                                    r"rate than 1000, say 100"):
        train(data, labels, (2, 20, 3), epochs=50, learning_rate=1000.0, verbose=False)


def test_cli_help():
    run = subprocess.run([sys.executable, "q1d_train.py", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    for flag in ("--hidden", "--epochs", "--lr", "--seed", "--plot"):
        assert flag in run.stdout
    for default in ("(default: 100)", "(default: 500)", "(default: 16)", "(default: 2.0)"):
        assert default in " ".join(run.stdout.split())


def test_cli_reports_training_and_held_out_accuracy(capsys):
    assert main(["--epochs", "30", "--hidden", "20"]) == 0
    out = capsys.readouterr().out
    assert "training accuracy" in out and "held-out accuracy" in out


def test_cli_divergence_exits_1_with_the_message(capsys):
    assert main(["--epochs", "5", "--lr", "1e4"]) == 1
    assert "diverged at epoch 1" in capsys.readouterr().err


def test_plot_writes_a_png_at_report_resolution(tmp_path, capsys):
    plt = pytest.importorskip("matplotlib.pyplot")
    path = tmp_path / "curve.png"
    assert main(["--epochs", "5", "--hidden", "10", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.imread(path).shape[:2] == (768, 1760)  # 11 x 4.8 inches at 160 dpi
    assert f"to {path}" in capsys.readouterr().out


def test_a_path_without_suffix_is_written_and_reported_as_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["--epochs", "2", "--hidden", "5", "--plot", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out.png").exists() and not (tmp_path / "out").exists()
    assert f"to {tmp_path / 'out.png'}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--plot", "out.xyz"], r"argument --plot: matplotlib cannot write '.xyz' files; use one of"),
    (["--plot", "missing/dir/x.png"], r"argument --plot: the folder missing/dir does not exist"),
    (["--seed", "-1"], r"argument --seed: expected an integer >= 0, got '-1'"),
    (["--hidden", "0"], r"argument --hidden: expected a positive integer, got '0'"),
    (["--lr", "-1"], r"argument --lr: expected a positive finite number, got '-1'"),
    (["--lr", "nan"], r"argument --lr: expected a positive finite number, got 'nan'"),
    (["--epochs", "1.5"], r"argument --epochs: expected a positive integer, got '1.5'"),
    (["--batch-size", "0"], r"argument --batch-size: expected a positive integer, got '0'"),
])
def test_every_option_is_checked_by_argparse_before_training(argv, message, capsys,
                                                              monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and out == ""
    assert err.startswith("usage: ") and re.search(message, err), err


def test_plot_without_matplotlib_says_how_to_install_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    path = tmp_path / "curve.png"
    with pytest.raises(SystemExit) as stop:
        main(["--plot", str(path)])
    assert stop.value.code == 2
    assert "pip install matplotlib" in capsys.readouterr().err
    assert not path.exists()


def test_a_broken_matplotlib_shows_its_own_error(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # installed, fails inside
    with pytest.raises(ImportError, match="matplotlib.figure"):
        main(["--plot", str(tmp_path / "curve.png")])


def test_save_plot_returns_a_figure_and_leaves_pyplot_and_the_backend_alone(small_spiral,
                                                                           tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    data, labels = small_spiral
    params, history = train(data, labels, (2, 10, 3), epochs=3, verbose=False)
    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    fig = save_plot(data, labels, params, (2, 10, 3), history, tmp_path / "x.png",
                    held_out=make_spiral(n_per_class=40, seed=4))
    assert isinstance(fig, Figure) and (tmp_path / "x.png").exists()
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures
    assert "held-out accuracy" in fig.get_suptitle()
    regions = fig.axes[1]
    assert regions.get_xlabel() and regions.get_ylabel() and regions.get_legend() is not None
    assert len([ax.get_legend() for ax in fig.axes if ax.get_legend()]) == 2  # curve, classes


NOTEBOOK_AFTER_SAVE_PLOT = [
    "%matplotlib inline",
    "import numpy as np\nfrom q1d_train import make_spiral, save_plot, train\n"
    "data, labels = make_spiral(n_per_class=20)\n"
    "params, history = train(data, labels, (2, 5, 3), epochs=2, verbose=False)\n"
    "save_plot(data, labels, params, (2, 5, 3), history)",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
]


def test_in_a_real_kernel_pyplot_still_displays_after_save_plot():
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_AFTER_SAVE_PLOT])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    figure_cell, pyplot_cell = notebook.cells[1], notebook.cells[2]
    assert any("image/png" in out.get("data", {}) for out in figure_cell.outputs)
    assert any("image/png" in out.get("data", {}) for out in pyplot_cell.outputs)


def textbook_sgd(data, labels, dims, epochs, batch_size, learning_rate, seed):
    """The plain loop through the public, validated forward_backward_prop, seeded as train()."""
    from q1c_neural import forward_backward_prop, init_params

    params = init_params(dims, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(data))
        for start in range(0, len(data), batch_size):
            batch = order[start:start + batch_size]
            _, grad = forward_backward_prop(data[batch], labels[batch], params, dims)
            params -= (learning_rate / len(batch)) * grad
    return params


def test_training_is_the_textbook_loop_over_the_public_function_bit_for_bit(small_spiral):
    data, labels = small_spiral
    params, history = train(data, labels, (2, 8, 3), epochs=5, batch_size=7, learning_rate=0.5,
                            seed=2, verbose=False)
    expected = textbook_sgd(data, labels, (2, 8, 3), 5, 7, 0.5, 2)
    assert np.array_equal(params, expected)


def test_history_accuracy_comes_from_the_epochs_own_forward_passes(small_spiral):
    data, labels = small_spiral
    params, history = train(data, labels, (2, 30, 3), **SMALL)
    assert all(0 <= a <= 1 for a in history["accuracy"])
    # Scored batch by batch before each step, the last epoch's figure trails the final
    # parameters' accuracy by little once training has settled.
    assert abs(history["accuracy"][-1] - accuracy(data, labels, params, (2, 30, 3))) <= 0.05


@pytest.mark.parametrize("bad, message", [
    (lambda y: y[:, None], r"Dy = 3 columns, got shape \(120, 1\); a column of class indices\? "
                           r"pass labels.ravel\(\)"),
    (lambda y: y[:1], r"class indices of shape \(N,\) = \(120,\), got shape \(1,\)"),
    (lambda y: np.eye(4)[y], r"one-hot labels must have Dy = 3 columns, got shape \(120, 4\)"),
])
def test_accuracy_checks_that_labels_match_the_rows(small_spiral, bad, message):
    data, labels = small_spiral
    params, _ = train(data, labels, (2, 10, 3), epochs=1, verbose=False)
    with pytest.raises(ValueError, match=message):
        accuracy(data, bad(labels), params, (2, 10, 3))


def test_accuracy_of_no_rows_is_a_clear_error_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"at least one row, got data of shape \(0, 2\)"):
            accuracy(np.zeros((0, 2)), np.zeros(0, dtype=int), np.zeros(21), (2, 3, 3))


def test_string_class_names_are_a_type_error_that_suggests_numbering_them():
    data = np.zeros((3, 2))
    with pytest.raises(TypeError, match=r"labels.*got dtype <U3 \(first label 'cat'\).*"
                                        r"np.unique\(labels, return_inverse=True\)"):
        train(data, np.array(["cat", "dog", "cat"]), epochs=1, verbose=False)


def test_importing_the_network_does_not_import_the_checker():
    code = "import sys, q1c_neural, q1d_train; print('q1_gradcheck' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.strip() == "False", run.stderr
