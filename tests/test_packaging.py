"""The sdist carries what its own tests need, and those tests run from the unpacked sdist."""
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def unpacked_sdist(tmp_path_factory):
    setuptools = pytest.importorskip("setuptools")
    major = int(setuptools.__version__.split(".")[0])
    if major < 77:  # pyproject.toml's SPDX license needs it, as its build-system says
        pytest.skip(f"building the sdist needs setuptools>=77 (requirements-dev.txt), found "
                    f"{setuptools.__version__}")
    import setuptools.build_meta as build_meta

    out = tmp_path_factory.mktemp("sdist")
    # build_sdist works in the current directory: the repository.
    previous = Path.cwd()
    try:
        os.chdir(ROOT)
        name = build_meta.build_sdist(str(out))
    finally:
        os.chdir(previous)
    with tarfile.open(out / name) as archive:
        # The "data" filter (Python 3.12, and recent 3.9-3.11 releases) is 3.14's default.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(out, **safe)
    return out / name[:-len(".tar.gz")]


def test_the_sdist_holds_the_files_its_tests_read(unpacked_sdist):
    for needed in ("tests/conftest.py", "requirements.txt", "requirements-dev.txt",
                   "docs/derivation.md", "docs/walkthrough.ipynb", "README.md", "LICENSE"):
        assert (unpacked_sdist / needed).is_file(), needed


def test_tests_run_from_the_unpacked_sdist(unpacked_sdist):
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_docs.py", "tests/test_softmax.py", "README.md"],
                         cwd=unpacked_sdist, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
