r"""A network with one sigmoid hidden layer, its forward and backward pass over one flat vector.

Shapes, used everywhere: N rows (examples), Dx inputs, H hidden units, Dy classes, and
P = (Dx + 1) H + (H + 1) Dy parameters laid out flat as W1 (Dx, H), b1 (1, H), W2 (H, Dy),
b2 (1, Dy), each row-major. Row vectors:

    h = sigmoid(data W1 + b1),   y_hat = softmax(h W2 + b2),
    cost = - sum over the N rows of log y_hat[row, label]   (summed, not averaged).

`forward_backward_prop` computes all of it, then every gradient, top to bottom in the order of
the derivation in docs/derivation.md.
"""
import operator

import numpy as np

from _q1_arrays import as_real_array
from q1_sigmoid import sigmoid, sigmoid_grad
from q1_softmax import log_softmax, softmax

__all__ = ["forward_backward_prop", "forward_backward_input", "forward", "predict",
           "param_blocks", "unpack_params", "pack_params", "init_params", "n_params",
           "sanity_check"]


def forward_backward_prop(data, labels, params, dimensions):
    r"""Compute the cross-entropy cost of the network and its gradient in all P parameters.

    Parameters
    ----------
    data : array_like, shape (N, Dx)
        One example per row.
    labels : array_like, shape (N, Dy) one-hot, or (N,) integer class indices
        Both forms give identical results.
    params : array_like, shape (P,)
        W1 (Dx, H), b1 (1, H), W2 (H, Dy), b2 (1, Dy), flattened row-major in that order.
    dimensions : sequence of 3 ints
        (Dx, H, Dy).

    Returns
    -------
    cost : float
        Cross-entropy summed (not averaged) over the N rows, from the probabilities at the
        labels, and through `log_softmax` where one of them underflows to 0: a confidently
        wrong prediction gives a large finite cost, not inf.
    grad : ndarray, shape (P,)
        dcost/dparams in the same layout as `params`.

    Notes
    -----
    With :math:`\delta_2 = \hat y - y` and :math:`\delta_1 = \delta_2 W_2^T \odot h \odot (1-h)`:

    .. math:: \nabla W_2 = h^T \delta_2,\quad \nabla b_2 = \textstyle\sum_{rows} \delta_2,\quad
              \nabla W_1 = x^T \delta_1,\quad \nabla b_1 = \textstyle\sum_{rows} \delta_1

    (docs/derivation.md, part c). Each block is written straight into one preallocated flat
    vector through views: no concatenation.

    Examples
    --------
    >>> cost, grad = forward_backward_prop(np.ones((2, 3)), [0, 1], np.zeros(4 * 4 + 5 * 2),
    ...                                    (3, 4, 2))
    >>> float(round(cost, 12)), float(round(2 * np.log(2), 12)), grad.shape
    (1.38629436112, 1.38629436112, (26,))
    """
    cost, grad, _ = _forward_backward(*_checked(data, labels, params, dimensions,
                                                "forward_backward_prop"))
    return cost, grad


def _forward_backward(data, k, one_hot, dims, W1, b1, W2, b2):
    """The pass itself, on validated input (see `_checked`); also returns the scores.

    `forward_backward_prop` is this after one validation; `q1d_train.train` validates its data
    once and calls this for every batch.
    """
    # Forward: h, scores, y_hat, cost.
    h, scores = _forward(data, W1, b1, W2, b2)
    y_hat = softmax(scores)
    cost = _cross_entropy(y_hat, scores, k)
    # Backward: delta2 = dJ/dscores = y_hat - y, then the layer-2 grads; delta1 = dJ/dz1, then
    # the layer-1 grads, each written straight into its view of the one flat gradient.
    grad = np.empty(_n_params(*dims), dtype=y_hat.dtype)
    grad_W1, grad_b1, grad_W2, grad_b2 = _unpack(grad, dims)
    delta2 = _minus_labels(y_hat, k, one_hot)
    np.matmul(h.T, delta2, out=grad_W2)
    delta2.sum(axis=0, keepdims=True, out=grad_b2)
    delta1 = delta2 @ W2.T
    delta1 *= sigmoid_grad(h)
    np.matmul(data.T, delta1, out=grad_W1)
    delta1.sum(axis=0, keepdims=True, out=grad_b1)
    return cost, grad, scores


def _forward(data, W1, b1, W2, b2):
    """h = sigmoid(data W1 + b1) and scores = h W2 + b2; y_hat = softmax(scores) follows."""
    z1 = data @ W1
    z1 += b1
    h = sigmoid(z1)
    scores = h @ W2
    scores += b2
    return h, scores


def forward_backward_input(data, labels, params, dimensions):
    r"""Compute the cost and its gradient with respect to the input rows, dJ/d(data).

    Parameters and cost as in `forward_backward_prop`.

    Returns
    -------
    cost : float
    grad_data : ndarray, shape (N, Dx)

    Notes
    -----
    Part (b) of the notes, batched: :math:`\partial J / \partial x =
    ((\hat y - y) W_2^T \odot h \odot (1 - h))\, W_1^T` (docs/derivation.md, part b).

    Examples
    --------
    >>> cost, grad_data = forward_backward_input(np.ones((2, 3)), [0, 1], init_params(
    ...     (3, 4, 2), seed=0), (3, 4, 2))
    >>> grad_data.shape
    (2, 3)
    """
    data, k, one_hot, _, W1, b1, W2, b2 = _checked(data, labels, params, dimensions,
                                                   "forward_backward_input")
    h, scores = _forward(data, W1, b1, W2, b2)
    y_hat = softmax(scores)
    cost = _cross_entropy(y_hat, scores, k)
    delta2 = _minus_labels(y_hat, k, one_hot)
    delta1 = delta2 @ W2.T
    delta1 *= sigmoid_grad(h)
    return cost, delta1 @ W1.T


def forward(data, labels, params, dimensions):
    r"""Return the probability the network gives each row's label: a scalar for one row.

    The call of the Tel Aviv University NLP course's language model, which evaluates its
    perplexity one example at a time: ``forward(row, k, params, dimensions)``.

    Parameters
    ----------
    data : array_like, shape (N, Dx), or (Dx,) for one row
    labels : int, or array_like of shape (N,) class indices or (N, Dy) one-hot
        An integer label for a single row (of shape (Dx,) or (1, Dx)) gives a scalar.
    params, dimensions
        As in `forward_backward_prop`.

    Returns
    -------
    float or ndarray, shape (N,)
        :math:`\hat y_{i, k_i} = \mathrm{softmax}(\mathrm{sigmoid}(x_i W_1 + b_1) W_2 + b_2)_{k_i}`.
        For one row, ``forward(row, k, ...)`` is ``exp(-cost)`` of `forward_backward_prop`, to
        rounding.

    Examples
    --------
    >>> dims = (3, 4, 2)
    >>> p = forward(np.ones(3), 1, np.zeros(n_params(dims)), dims)  # zero params: 1 / Dy
    >>> float(p)
    0.5
    >>> forward(np.ones((2, 3)), [0, 1], np.zeros(n_params(dims)), dims)
    array([0.5, 0.5])
    """
    one_row = np.ndim(labels) == 0 or np.ndim(data) == 1
    if np.ndim(data) == 1:
        data = np.reshape(data, (1, -1))  # a list of Dx numbers is one row
    if one_row:
        labels = np.reshape(labels, (1, -1) if np.ndim(labels) == 1 else (1,))
    data, k, _, _, W1, b1, W2, b2 = _checked(data, labels, params, dimensions, "forward")
    p = _at_labels(softmax(_forward(data, W1, b1, W2, b2)[1]), k)
    return p[0] if one_row else p


def predict(data, params, dimensions):
    """Return the predicted class of each row, shape (N,) (argmax of the scores).

    >>> predict(np.zeros((3, 2)), np.zeros(3 * 2 + 3 * 2), (2, 2, 2)).tolist()
    [0, 0, 0]
    """
    dims = _dims(dimensions)
    data = _check_data(data, dims[0], "predict")
    W1, b1, W2, b2 = _unpack(_check_params(params, "predict"), dims)
    # softmax is monotonic: the largest score is the most probable class.
    return _forward(data, W1, b1, W2, b2)[1].argmax(axis=1)


def _at_labels(a, k):
    """Row i's entry at column k[i], for each row of a: shape (N,)."""
    return a[np.arange(len(k)), k]


def _cross_entropy(y_hat, scores, k):
    """-sum(log y_hat) at the labels k; through log_softmax where a probability underflowed.

    A confidently wrong prediction (a score gap beyond ~745) rounds y_hat to 0 there, and
    log(0) = -inf. log_softmax keeps such a cost large and finite instead.
    """
    p = _at_labels(y_hat, k)
    if not p.size:
        return 0.0  # no rows, no cost
    if p.min() > 0:
        return -float(np.log(p).sum())
    return -float(_at_labels(log_softmax(scores), k).sum())


def _minus_labels(y_hat, k, one_hot):
    """y_hat - y, in place: subtract the one-hot labels, or 1 at each row's label.

    Both give the same bits: y - 1 at the label and y - 0 = y elsewhere.
    """
    if one_hot is not None:
        y_hat -= one_hot  # one call on same-shaped arrays, cheaper than indexing
    else:
        y_hat[np.arange(len(k)), k] -= 1
    return y_hat


def _checked(data, labels, params, dimensions, name):
    """Validate the four inputs once; return data, each row's class index k (N,), the one-hot
    labels (None for class indices), (Dx, H, Dy), and the views W1, b1, W2, b2 of params: the
    arguments of `_forward_backward`."""
    dims = _dims(dimensions)
    data = _check_data(data, dims[0], name)
    labels = np.asarray(labels)
    k = _class_indices(labels, data.shape[0], dims[2])
    one_hot = labels if labels.ndim == 2 else None
    return (data, k, one_hot, dims) + _unpack(_check_params(params, name), dims)


def n_params(dimensions):
    """Return P, the length of the flat parameter vector for dimensions (Dx, H, Dy).

    >>> n_params((10, 5, 10))
    115
    """
    return _n_params(*_dims(dimensions))


def _n_params(Dx, H, Dy):
    return (Dx + 1) * H + (H + 1) * Dy  # W1 and b1, then W2 and b2


def _dims(dimensions):
    try:
        Dx, H, Dy = map(operator.index, dimensions)
        if Dx > 0 and H > 0 and Dy > 1:
            return Dx, H, Dy
    except (TypeError, ValueError):
        pass
    raise ValueError(f"dimensions must be three positive integers (Dx, H, Dy) with Dy >= 2 "
                     f"classes, got {dimensions!r}")


def param_blocks(dimensions):
    """Return the (name, shape) list of the flat layout, as `gradcheck_naive(blocks=...)` takes.

    >>> param_blocks((10, 5, 10))
    [('W1', (10, 5)), ('b1', (1, 5)), ('W2', (5, 10)), ('b2', (1, 10))]
    """
    Dx, H, Dy = _dims(dimensions)
    return [("W1", (Dx, H)), ("b1", (1, H)), ("W2", (H, Dy)), ("b2", (1, Dy))]


def unpack_params(params, dimensions):
    """Split flat `params` into views ``W1 (Dx, H), b1 (1, H), W2 (H, Dy), b2 (1, Dy)``.

    The four arrays share memory with `params` (no copies): writing into them writes into it.

    >>> W1, b1, W2, b2 = unpack_params(np.arange(25.0), (2, 3, 4))
    >>> W1.shape, b1.shape, W2.shape, b2.shape, float(b2[0, 3])
    ((2, 3), (1, 3), (3, 4), (1, 4), 24.0)
    """
    return _unpack(np.asarray(params), _dims(dimensions))


def _unpack(params, dims):
    Dx, H, Dy = dims
    P = _n_params(Dx, H, Dy)
    if params.ndim != 1 or params.size != P:
        raise ValueError(f"params must be a flat vector of P = (Dx+1)*H + (H+1)*Dy = {P} "
                         f"entries for dimensions {dims} (W1, b1, W2, b2, row-major), got "
                         f"shape {params.shape}; pack_params(W1, b1, W2, b2) builds one")
    b1_at = Dx * H
    W2_at = b1_at + H
    b2_at = W2_at + H * Dy
    return (params[:b1_at].reshape(Dx, H), params[b1_at:W2_at].reshape(1, H),
            params[W2_at:b2_at].reshape(H, Dy), params[b2_at:].reshape(1, Dy))


def pack_params(W1, b1, W2, b2):
    """Lay out ``W1 (Dx, H), b1 (1, H), W2 (H, Dy), b2 (1, Dy)`` as one flat vector of P entries.

    >>> params = init_params((4, 3, 2), seed=0)
    >>> bool(np.array_equal(pack_params(*unpack_params(params, (4, 3, 2))), params))
    True
    """
    W1, W2 = np.asarray(W1), np.asarray(W2)
    if W1.ndim != 2 or W2.ndim != 2 or W1.shape[1] != W2.shape[0]:
        raise ValueError(f"expected W1 (Dx, H) and W2 (H, Dy), got shapes {W1.shape} and "
                         f"{W2.shape}")
    Dx, H, Dy = W1.shape[0], W1.shape[1], W2.shape[1]
    for name, b, n in (("b1", b1, H), ("b2", b2, Dy)):
        if np.shape(b) not in ((1, n), (n,)):
            raise ValueError(f"expected {name} of shape (1, {n}), got {np.shape(b)}")
    params = np.empty(_n_params(Dx, H, Dy), dtype=np.result_type(W1, b1, W2, b2))
    for view, block in zip(_unpack(params, (Dx, H, Dy)), (W1, b1, W2, b2)):
        view[...] = np.reshape(block, view.shape)
    return params


def init_params(dimensions, seed=None):
    """Return flat params: Glorot-uniform weights, zero biases.

    Each weight matrix is drawn from U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), which
    keeps the variance of activations and of gradients roughly equal from layer to layer.
    """
    Dx, H, Dy = _dims(dimensions)
    rng = np.random.default_rng(seed)
    params = np.zeros(_n_params(Dx, H, Dy))
    W1, _, W2, _ = _unpack(params, (Dx, H, Dy))
    for W in (W1, W2):
        a = np.sqrt(6.0 / sum(W.shape))
        W[...] = rng.uniform(-a, a, W.shape)
    return params


def _class_indices(labels, N, Dy):
    """Return each row's class index, shape (N,), from one-hot labels or class indices."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"labels must be numeric (one-hot or class indices), got dtype "
                        f"{labels.dtype}")
    if labels.shape[:1] != (N,) or labels.ndim not in (1, 2):
        raise ValueError(f"labels must be one-hot of shape (N, Dy) = ({N}, {Dy}) or class "
                         f"indices of shape (N,) = ({N},), got shape {labels.shape}")
    if labels.ndim == 2:
        if labels.shape[1] != Dy:
            column = "; a column of class indices? pass labels.ravel()" if (
                labels.shape[1] == 1) else ""
            raise ValueError(f"one-hot labels must have Dy = {Dy} columns, got shape "
                             f"{labels.shape}{column}")
        k = labels.argmax(axis=1)
        # Each row's maximum is 1, and there are N nonzeros: every row is one 1 and zeros.
        if (np.count_nonzero(labels) != N
                or np.count_nonzero(_at_labels(labels, k) == 1) != N):
            _raise_bad_one_hot_row(labels)
        return k
    if labels.dtype.kind not in "iu":
        raise TypeError(f"class-index labels must be integers, got dtype {labels.dtype}"
                        + ("; they hold whole numbers, so pass labels.astype(int)"
                           if labels.dtype.kind == "f" and np.all(labels == np.round(labels))
                           else ""))
    if N and (labels.item(labels.argmin()) < 0 or labels.item(labels.argmax()) >= Dy):
        raise ValueError(f"class-index labels must lie in [0, Dy) = [0, {Dy}), got values "
                         f"from {labels.min()} to {labels.max()}")
    return labels.astype(np.intp, copy=False)


def _raise_bad_one_hot_row(labels):
    bad = int(np.flatnonzero((np.count_nonzero(labels, axis=1) != 1)
                             | (labels.max(axis=1) != 1))[0])
    raise ValueError(f"one-hot labels must hold exactly one 1 and zeros in every row, got row "
                     f"{bad} = {labels[bad].tolist()}")


def _check_data(data, Dx, name):
    data = as_real_array(data, f"{name} (data)")
    if data.ndim != 2 or data.shape[1] != Dx:
        hint = ("; for a single example, pass data.reshape(1, -1)"
                if data.shape == (Dx,) else "")
        raise ValueError(f"data must be 2-D of shape (N, Dx) with Dx = {Dx}, got shape "
                         f"{data.shape}{hint}")
    return data


def _check_params(params, name):
    try:
        return as_real_array(params, f"{name} (params)")
    except ValueError:  # NumPy's "inhomogeneous shape": a tuple or list of the four arrays
        raise TypeError(f"params must be one flat vector of P entries, got a "
                        f"{type(params).__name__} of {len(params)} arrays of different "
                        f"shapes; lay W1, b1, W2, b2 out as one with pack_params(W1, b1, W2, "
                        f"b2)") from None


def sanity_check(seed=0, verbose=True, forward_backward=None):
    """The classic check: N = 20, dimensions (10, 5, 10), 115 random params, one-hot labels.

    `forward_backward` (default `forward_backward_prop`) is checked; pass your own function of
    the same signature to check it. When the first layer's blocks fail and the second
    layer's pass, the result says where in the backward pass to look.
    """
    # Imported here, so that training never pays for the checker's import.
    from _q1_gradcheck import print_classic
    from q1_gradcheck import gradcheck_naive

    N, dimensions = 20, (10, 5, 10)
    fbp = forward_backward or forward_backward_prop
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((N, dimensions[0]))
    labels = np.zeros((N, dimensions[2]))
    labels[np.arange(N), rng.integers(0, dimensions[2], N)] = 1
    params = rng.standard_normal(n_params(dimensions))
    if verbose:
        print(f"Running sanity check: N = {N}, dimensions {dimensions}, {params.size} params")
    result = gradcheck_naive(lambda p: fbp(data, labels, p, dimensions), params,
                             blocks=param_blocks(dimensions), verbose=False,
                             raise_exception=False)
    failed = {name for name, block in result.blocks.items() if block.n_failed}
    if failed == {"W1", "b1"}:
        result.hints.append(FIRST_LAYER_HINT)  # the report is computed from the hints
    if verbose:
        print_classic(result, "")
    return result


FIRST_LAYER_HINT = ("the second layer is right, so the error is in the backward step through "
                    "the hidden layer, delta1 = delta2 W2^T * h * (1 - h) (element-wise); the "
                    "usual slip is sigmoid_grad given z instead of h = sigmoid(z)")


if __name__ == "__main__":
    raise SystemExit(0 if sanity_check() else 1)
