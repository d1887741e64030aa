"""Unit 10, personalized recommendations (recommend.py): the data and the public checks.

Ratings are generated in the grader with a known structure: r = 3 + b_u + b_i + P_u . Q_i / sqrt(3)
+ noise (rank 3, noise sd 0.3) for 60 users and 80 items, 30% observed, a quarter of the observed
held out. Public here: the gradient against finite differences of mf_loss (the reference's in grading),
the errors the docstrings name, and what recommend must never return (seen or repeated items).
The answer keys and the training outcome are in autograder/keys/unit10_recommend.py.
"""
from __future__ import annotations

import numpy as np

from ..checks import compare, gradients
from ..checks import upstream as upstream_of
from .unit10_transfer import suite

USERS, ITEMS, TRUE_RANK, DENSITY, HELD_OUT, NOISE = 60, 80, 3, 0.3, 0.25, 0.3
TRAINED = ("P", "Q", "bu", "bi")
suite.builds_on.update({"recommend.mf_gradients": ("recommend.predict", "recommend.mf_loss"),
                        "recommend.mf_loss": ("recommend.predict",),
                        "recommend.train_mf": ("recommend.predict", "recommend.mf_gradients", "recommend.mf_loss",
                                               "recommend.sgd_step"),
                        "recommend.recommend": ("recommend.predict",)})


def ratings_data(rng, users=USERS, items=ITEMS):
    """dict: the true rating matrix, train and held-out (users, items, ratings) triples, the train mask."""
    P, Q = rng.normal(0, 1, (users, TRUE_RANK)), rng.normal(0, 1, (items, TRUE_RANK))
    bu, bi = rng.normal(0, 0.3, users), rng.normal(0, 0.5, items)
    true = 3.0 + bu[:, None] + bi[None, :] + P @ Q.T / np.sqrt(TRUE_RANK)
    observed = rng.random((users, items)) < DENSITY
    noisy = true + rng.normal(0, NOISE, (users, items))
    test = observed & (rng.random((users, items)) < HELD_OUT)
    train = observed & ~test
    u, i = np.nonzero(train)
    tu, ti = np.nonzero(test)
    return {"true": true, "train": (u, i, noisy[u, i]), "test": (tu, ti, noisy[tu, ti]), "seen": train}


def random_params(rng, users, items, rank):
    return {"mu": float(rng.uniform(2.5, 3.5)), "P": rng.normal(0, 0.7, (users, rank)),
            "Q": rng.normal(0, 0.7, (items, rank)), "bu": rng.normal(0, 0.5, users), "bi": rng.normal(0, 0.5, items)}


def small_problem(rng, users=7, items=9, rank=2, n=25):
    """Random params and n observed ratings in which users and items repeat (every user at least twice)."""
    params = random_params(rng, users, items, rank)
    u = np.concatenate([np.arange(users), np.arange(users), rng.integers(0, users, n - 2 * users)])
    pairs = {}
    for user in u:
        item = int(rng.integers(0, items))
        while (int(user), item) in pairs:
            item = int(rng.integers(0, items))
        pairs[(int(user), item)] = True
    uu, ii = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    return params, uu, ii, rng.uniform(1, 5, len(uu))


def raises_value_error(ctx, fn, name, cases: dict):
    for label, args in cases.items():
        with ctx.case(f"{label} raises ValueError", trivial=True):
            compare.raises(lambda: fn(*args), ("ValueError",), name, f"for {label}")


@suite.check("recommend.mf_gradients", points=3, name="mf_gradients_finite_differences", uses=("recommend.mf_loss",))
def mf_gradients_finite_differences(ctx):
    """Every gradient against central differences of mf_loss (official grading: the reference's; the
    self-check: the student's own; see checks/upstream.py), with and without L2."""
    rec = ctx.student.recommend
    loss = upstream_of.forward(ctx, rec.mf_loss)
    params, u, i, r = small_problem(ctx.rng)
    for lam in (0.0, 0.3):
        with ctx.case(f"lam = {lam}: finite differences of mf_loss"), upstream_of.blame(loss):
            got = rec.mf_gradients(params, u, i, r, lam)
            if type(got) is not dict:
                ctx.fail(f"mf_gradients must return a dict with keys {TRAINED}, got {compare.describe(got)}")
            grads = {k: compare.array(got.get(k), f'mf_gradients(...)["{k}"]', np.shape(params[k])) for k in TRAINED}
            if all(not np.any(g) for g in grads.values()):  # zero gradients pass against a constant loss
                ctx.trivial.add(len(ctx.cases))

            def forward(points, lam=lam):
                return [np.array(compare.scalar(loss({"mu": params["mu"], **{k: p[k] for k in TRAINED}},
                                                            u, i, r, lam), "mf_loss(...)")) for p in points]

            gradients.directional(forward, {k: np.asarray(params[k], float) for k in TRAINED}, grads, np.array(1.0),
                                  rng=ctx.rng, name="mf_gradients")
    raises_value_error(ctx, rec.mf_gradients, "mf_gradients",
                       {"lam < 0": (params, u, i, r, -1.0), "ratings shorter than users": (params, u, i, r[:-1], 0.1)})


@suite.check("recommend.recommend", points=2, name="recommend_only_unseen_distinct")
def recommend_only_unseen_distinct(ctx):
    """Shape (n_users, k), integer items, no seen item, no item twice; too large a k raises."""
    rec = ctx.student.recommend
    params = random_params(ctx.rng, 12, 15, 2)
    seen = ctx.rng.random((12, 15)) < 0.5
    seen[:, ctx.rng.permutation(15)[:5]] = False  # every user has at least 5 unseen items
    seen[0, :10] = True  # user 0 has exactly 5 unseen items
    seen[0, 10:] = False
    for k in (5, 1):
        with ctx.case(f"k = {k}"):
            got = compare.array(rec.recommend(params, seen, k), f"recommend(params, seen, {k})", (12, k), kinds="iu").astype(int)
            if np.any(got < 0) or np.any(got >= 15):
                ctx.fail(f"recommend(params, seen, {k}) returned item indices outside [0, 15)")
            for user, row in enumerate(got):
                if len(set(row.tolist())) < k:
                    ctx.fail(f"recommend(params, seen, {k}) lists an item twice for user {user}: {row.tolist()}")
                if np.any(seen[user, row]):
                    ctx.fail(f"recommend(params, seen, {k}) recommends to user {user} an item already seen "
                             f"({[int(x) for x in row if seen[user, x]]})")
    raises_value_error(ctx, rec.recommend, "recommend", {"k = 6 when user 0 has 5 unseen items": (params, seen, 6)})
