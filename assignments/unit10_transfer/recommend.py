"""Unit 10: personalized recommendations by matrix factorization with user and item biases.

A rating of item i by user u is predicted as

    r_hat(u, i) = mu + b_u[u] + b_i[i] + P[u] . Q[i]

(Koren, Bell and Volinsky, "Matrix factorization techniques for recommender systems", IEEE
Computer 2009, eq. 3): a global mean, how generous the user is, how good the item is, and the
match of the user's and the item's latent factors. The model is fitted to the observed ratings
only, with L2 regularization (ibid., eq. 5), by gradient descent; it then recommends to every
user the unseen items it scores highest.

Parameters travel as a dict ``params`` with keys "mu" (float, the global mean, not trained),
"P" (n_users, rank) and "Q" (n_items, rank) float64 latent factors, "bu" (n_users,) and
"bi" (n_items,) float64 biases. Observed ratings are three aligned 1-D arrays: ``users`` and
``items`` (int, the same (user, item) pair may appear at most once) and ``ratings`` (float).
"""
import numpy as np

TRAINED = ("P", "Q", "bu", "bi")


def predict(params, users, items):
    """Predicted ratings r_hat(u, i) = mu + bu[u] + bi[i] + P[u] . Q[i] for each pair (users[n], items[n]).

    Args:
        params: dict with "mu", "P" (n_users, rank), "Q" (n_items, rank), "bu" (n_users,), "bi" (n_items,).
        users: int array (N,), indices into the rows of P.
        items: int array (N,), indices into the rows of Q.

    Returns:
        float64 array (N,).

    Raises:
        ValueError: if users and items differ in length.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def mf_loss(params, users, items, ratings, lam):
    """The regularized squared error of the observed ratings (Koren et al. 2009, eq. 5, with biases):

        L = sum_n (ratings[n] - r_hat(users[n], items[n]))**2 + lam * (|P|^2 + |Q|^2 + |bu|^2 + |bi|^2)

    a sum (not a mean) over the N observed ratings; |.|^2 is the sum of squared entries of the whole
    array (every user and item, observed or not); mu is not regularized.

    Args:
        params: as for predict.
        users, items: int arrays (N,); ratings: float array (N,).
        lam: float >= 0, the regularization strength.

    Returns:
        float, the loss.

    Raises:
        ValueError: if users, items and ratings differ in length, or lam < 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def mf_gradients(params, users, items, ratings, lam):
    """The gradient of mf_loss with respect to P, Q, bu and bi.

    With e_n = ratings[n] - r_hat(users[n], items[n]):
        dL/dP[u] = -2 sum_{n: users[n]=u} e_n Q[items[n]] + 2 lam P[u]
        dL/dQ[i] = -2 sum_{n: items[n]=i} e_n P[users[n]] + 2 lam Q[i]
        dL/dbu[u] = -2 sum_{n: users[n]=u} e_n + 2 lam bu[u]
        dL/dbi[i] = -2 sum_{n: items[n]=i} e_n + 2 lam bi[i]
    A user (or item) appears in many ratings: every one of them contributes (np.add.at).

    Args:
        as for mf_loss.

    Returns:
        dict with "P", "Q", "bu", "bi": float64 arrays shaped like the parameters.

    Raises:
        ValueError: as mf_loss.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_step(params, grads, lr):
    """One gradient-descent step: a new dict with P, Q, bu, bi each minus lr times its gradient.

    mu is copied unchanged (it is not trained).

    Args:
        params: as for predict. grads: as returned by mf_gradients. lr: float > 0.

    Returns:
        a new dict with the same keys as params.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def train_mf(users, items, ratings, n_users, n_items, rank, lam, lr, steps, seed):
    """Fit the model to observed ratings by full-batch gradient descent.

    Start from mu = the mean of ratings, zero biases, and P, Q with entries drawn from
    N(0, 0.1**2) by np.random.default_rng(seed) (P first, then Q); then `steps` times
    params = sgd_step(params, mf_gradients(params, users, items, ratings, lam), lr).

    Args:
        users, items, ratings: the observed ratings, as for mf_loss.
        n_users, n_items: ints, the sizes of P and Q. rank: int >= 1, their number of columns.
        lam: float >= 0. lr: float > 0. steps: int >= 0. seed: int.

    Returns:
        the trained params dict.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def recommend(params, seen, k):
    """The k unseen items with the highest predicted rating for every user, best first.

    Args:
        params: as for predict.
        seen: bool array (n_users, n_items), True where the user has already rated the item
            (those are never recommended).
        k: int >= 1.

    Returns:
        int array (n_users, k): row u lists item indices in decreasing order of r_hat(u, item).

    Raises:
        ValueError: if some user has fewer than k unseen items.
    """
    # YOUR CODE HERE
    raise NotImplementedError
