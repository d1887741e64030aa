"""Unit 3: the training loop's bookkeeping -- mini-batches and early stopping."""
import numpy as np


def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
    """Split the indices 0..n-1 of one epoch into mini-batches.

    With shuffle=True the indices are put in a random order drawn from rng (a permutation of
    0..n-1); with shuffle=False they stay in order 0, 1, ..., n-1. Consecutive runs of batch_size
    indices form the batches, in that order; the last batch holds the n % batch_size indices
    left over, unless drop_last is True, in which case they are left out of this epoch. So every
    index appears exactly once (with drop_last, at most once), and the same seed always gives the
    same batches.

    Args:
        n: int >= 0, the number of examples.
        batch_size: int >= 1.
        rng: np.random.Generator or int seed (see np.random.default_rng); used only to shuffle.
        shuffle: bool.
        drop_last: bool, leave out a last batch smaller than batch_size.

    Returns:
        batches: list of int64 arrays of indices, each of length batch_size except possibly
            the last (never an empty batch).

    Raises:
        ValueError: if batch_size < 1.
    """
    ### BEGIN SOLUTION
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.random.default_rng(rng).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return [order[i:i + batch_size].astype(np.int64) for i in range(0, stop, batch_size)]
    ### END SOLUTION


def early_stopping(val_losses, params_history, patience, min_delta=0.0):
    """Early stopping on a sequence of validation losses, restoring the best parameters.

    Epochs are numbered 0, 1, ...; after epoch t the validation loss is val_losses[t] and the
    parameters are params_history[t]. Epoch t is an improvement when
    val_losses[t] < best - min_delta, where best is the loss of the last improvement (epoch 0 is
    always an improvement). Training stops after the first epoch that completes `patience`
    consecutive epochs without an improvement; if that never happens, all epochs run. The best
    epoch is the last improvement up to the stopping epoch, and its parameters are restored.

    Args:
        val_losses: list (or 1-D array) of T >= 1 floats.
        params_history: list of T float64 arrays, the parameters after each epoch.
        patience: int >= 1.
        min_delta: float >= 0, the smallest decrease that counts as an improvement.

    Returns:
        A tuple (stop_epoch, best_epoch, best_params):
        - stop_epoch: int, the last epoch run (T - 1 when early stopping never triggers).
        - best_epoch: int, the last improvement at or before stop_epoch.
        - best_params: new float64 array, a copy of params_history[best_epoch].
    """
    ### BEGIN SOLUTION
    best, best_epoch, wait = np.inf, 0, 0
    stop_epoch = len(val_losses) - 1
    for t, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, t, 0
        else:
            wait += 1
            if wait >= patience:
                stop_epoch = t
                break
    return stop_epoch, best_epoch, np.array(params_history[best_epoch], dtype=np.float64)
    ### END SOLUTION
