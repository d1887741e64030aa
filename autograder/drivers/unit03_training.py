"""Driver: train an MLP inside the worker with the student's own unit 3 components.

``student("module.function")`` (injected by the worker) resolves the submission's functions. Only
the trained parameters go back; the grader measures their accuracy on data the loop never saw.
"""
import numpy as np


def component(target):
    """The submission's function ``target``; a missing one is reported by its own name."""
    fn = student(target)  # noqa: F821

    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            raise RuntimeError(f"{target} is not implemented yet (it raises NotImplementedError)") from None

    return call


def train_mlp(X, y, layer_sizes, epochs, batch_size, lr, seed, every_epoch=False):
    """He-initialized ReLU MLP trained with mini-batch Adam on softmax cross-entropy; returns
    the parameters as a list of (W, b) float64 arrays (``every_epoch``: a list of them, one after
    each epoch, so the grader can score the whole run)."""
    init_mlp, minibatches = component("initialization.init_mlp"), component("training.minibatches")
    forward, backward = component("layers.mlp_forward"), component("layers.mlp_backward")
    loss, adam = component("layers.softmax_cross_entropy"), component("optimizers.adam")
    rng = np.random.default_rng(seed)
    params = [tuple(layer) for layer in init_mlp(layer_sizes, rng, "he")]
    states = [[None, None] for _ in params]
    history = []
    for _ in range(epochs):
        for idx in minibatches(len(X), batch_size, rng):
            scores, cache = forward(X[idx], params, "relu")
            grads = backward(loss(scores, y[idx])[1], cache)
            updated = []
            for (W, b), (dW, db), state in zip(params, grads, states):
                W, state[0] = adam(W, dW, state[0], lr=lr)
                b, state[1] = adam(b, db, state[1], lr=lr)
                updated.append((W, b))
            params = updated
        if every_epoch:
            history.append(_float64(params))
    return history if every_epoch else _float64(params)


def _float64(params):
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in params]


def with_generator(target, args, seed):
    """``target(*args, np.random.default_rng(seed))``: the submission given a Generator, not a seed."""
    return student(target)(*args, np.random.default_rng(seed))  # noqa: F821


def quietly(target, *args):
    """``target(*args)`` with every warning recorded: numpy's overflow, division by zero and invalid
    operations included (underflow to 0 is not an error, as in numpy's defaults).

    Returns ``(result, warnings)``, ``warnings`` a list of "Category: message" strings.
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            result = student(target)(*args)  # noqa: F821
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]
