"""Tests of docs/derivation.md: it stands alone for someone who clones the repository."""
import re
from pathlib import Path

DERIVATION = (Path(__file__).resolve().parents[1] / "docs" / "derivation.md").read_text()


def test_it_cites_no_notes_that_are_not_in_the_repository():
    assert not re.search(r"\bnotes\b", DERIVATION, flags=re.IGNORECASE)


def test_it_names_public_functions_only():
    private = re.findall(r"`q1\w*\._\w+", DERIVATION)
    assert private == []


def test_it_counts_the_parameters_and_argues_shift_invariance():
    assert "P = D_x H + H + H D_y + D_y = (D_x + 1)\\,H + (H + 1)\\,D_y" in DERIVATION
    assert r"\mathrm{softmax}(\theta - c)_k" in DERIVATION


def test_the_hidden_matrix_is_a_capital_letter():
    # A batch's hidden activations are N x H: a matrix, written bold H, never lower-case h.
    assert r"\mathbf{H} = \sigma(Z_1)" in DERIVATION
    assert not re.search(r"h\^\{\\top\} \\delta_2|= h W_2 \+ b_2 \$ \| \$N", DERIVATION)
