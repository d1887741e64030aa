"""Unit 1 graded both ways: the contract tests plus unit-specific wrong and right answers."""
import pytest

from ..support import reference_def
from .unit_contract import *  # noqa: F401,F403

UNIT = "unit01_foundations"

MUTANTS = {
    "sigmoid sign error": ("activations.sigmoid", """
        def sigmoid(z):
            return 1 / (1 + np.exp(z))
    """),
    "sigmoid overflows to nan at large |z|": ("activations.sigmoid", """
        def sigmoid(z):
            return np.exp(z) / (1 + np.exp(z))
    """),
    "sigmoid derivative missing the (1 - s) factor": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            return sigmoid(z)
    """),
    "tanh derivative 1 - tanh": ("activations.tanh_derivative", """
        def tanh_derivative(z):
            return 1 - np.tanh(z)
    """),
    "relu derivative 1 at zero": ("activations.relu_derivative", """
        def relu_derivative(z):
            return (z >= 0).astype(float)
    """),
    "sigmoid derivative s * (1 - s): exactly 0 in the right tail": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            s = sigmoid(z)
            return s * (1 - s)
    """),
    "tanh derivative 1 - tanh(z)**2: exactly 0 in the tails": ("activations.tanh_derivative", """
        def tanh_derivative(z):
            return 1 - np.tanh(z) ** 2
    """),
    "step is 0 at zero": ("activations.step", """
        def step(z):
            return (z > 0).astype(float)
    """),
    "perceptron update only on strict mistakes (off by one at the boundary)": ("perceptron.perceptron_update", """
        def perceptron_update(w, b, x, y, lr=1.0):
            if y * (w @ x + b) < 0:
                return w + lr * y * x, float(b + lr * y)
            return w.copy(), float(b)
    """),
    "perceptron update forgets the learning rate": ("perceptron.perceptron_update", """
        def perceptron_update(w, b, x, y, lr=1.0):
            if y * (w @ x + b) <= 0:
                return w + y * x, float(b + y)
            return w.copy(), float(b)
    """),
    "training stops after one epoch": ("perceptron.train_perceptron", """
        def train_perceptron(X, y, lr=1.0, max_epochs=100):
            w, b, mistakes = np.zeros(X.shape[1]), 0.0, 0
            for xi, yi in zip(X, y):
                if yi * (xi @ w + b) <= 0:
                    w, b, mistakes = w + lr * yi * xi, b + lr * yi, mistakes + 1
            return w, float(b), mistakes
    """),
    "training counts epochs instead of mistakes": ("perceptron.train_perceptron", """
        def train_perceptron(X, y, lr=1.0, max_epochs=100):
            w, b = np.zeros(X.shape[1]), 0.0
            for epoch in range(max_epochs):
                errors = 0
                for xi, yi in zip(X, y):
                    if yi * (xi @ w + b) <= 0:
                        w, b, errors = w + lr * yi * xi, b + lr * yi, errors + 1
                if errors == 0:
                    break
            return w, float(b), epoch + 1
    """),
    "transposed gradient of W1": ("network.two_layer_backward", """
        def two_layer_backward(dscores, cache):
            X, W1, b1, W2, b2, Z1, H1 = cache
            dZ1 = (dscores @ W2.T) * (Z1 > 0)
            dW1 = (X.T @ dZ1)
            dW1 = dW1.T.reshape(dW1.shape) if dW1.shape[0] != dW1.shape[1] else dW1.T
            return dZ1 @ W1.T, dW1, dZ1.sum(0), H1.T @ dscores, dscores.sum(0)
    """),
    "backward ignores the ReLU mask": ("network.two_layer_backward", """
        def two_layer_backward(dscores, cache):
            X, W1, b1, W2, b2, Z1, H1 = cache
            dZ1 = dscores @ W2.T
            return dZ1 @ W1.T, X.T @ dZ1, dZ1.sum(0), H1.T @ dscores, dscores.sum(0)
    """),
    "bias gradient averaged instead of summed": ("network.two_layer_backward", """
        def two_layer_backward(dscores, cache):
            X, W1, b1, W2, b2, Z1, H1 = cache
            dZ1 = (dscores @ W2.T) * (Z1 > 0)
            return dZ1 @ W1.T, X.T @ dZ1, dZ1.mean(0), H1.T @ dscores, dscores.sum(0)
    """),
    "feedforward skips the last activation": ("network.feedforward", """
        def feedforward(X, params, activations):
            fns = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "identity": lambda a: a}
            out = X
            for i, ((W, b), name) in enumerate(zip(params, activations)):
                out = out @ W + b
                if i < len(params) - 1:
                    out = fns[name](out)
            return out
    """),
    "inverse via transpose": ("tensors.inverse", """
        def inverse(A):
            return np.array(A.T)
    """),
    "rank counts rows": ("tensors.rank", """
        def rank(A, tol=None):
            return int(min(A.shape))
    """),
    "projection not orthogonal (drops the Gram matrix)": ("tensors.project_onto_span", """
        def project_onto_span(x, V):
            return V.T @ (V @ x)
    """),
}

ALTERNATIVES = {
    "sigmoid through tanh": ("activations.sigmoid", """
        def sigmoid(z):
            return 0.5 * (1 + np.tanh(z / 2))
    """),
    "sigmoid derivative as sigmoid(z) * sigmoid(-z)": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            z = np.asarray(z, dtype=np.float64)
            return sigmoid(z) * sigmoid(-z)
    """),
    "tanh derivative as sech(z)^2 through exp(-2|z|)": ("activations.tanh_derivative", """
        def tanh_derivative(z):
            a = np.abs(np.asarray(z, dtype=np.float64))
            with np.errstate(under="ignore"):
                return (2 * np.exp(-a) / (1 + np.exp(-2 * a))) ** 2
    """),
    "perceptron training with explicit loops": ("perceptron.train_perceptron", """
        def train_perceptron(X, y, lr=1.0, max_epochs=100):
            if X.ndim != 2 or y.shape != (len(X),):
                raise ValueError("expected X (N, D) and y (N,)")
            w = [0.0] * X.shape[1]
            b, mistakes = 0.0, 0
            for _ in range(max_epochs):
                clean = True
                for i in range(len(X)):
                    s = sum(w[j] * X[i, j] for j in range(len(w))) + b
                    if y[i] * s <= 0:
                        w = [w[j] + lr * y[i] * X[i, j] for j in range(len(w))]
                        b += lr * y[i]
                        mistakes += 1
                        clean = False
                if clean:
                    break
            return np.array(w), float(b), mistakes
    """),
    "backward with explicit loops over samples": ("network.two_layer_backward", """
        def two_layer_backward(dscores, cache):
            X, W1, b1, W2, b2, Z1, H1 = cache
            grads = [np.zeros_like(a) for a in (X, W1, b1, W2, b2)]
            for n in range(X.shape[0]):
                dz = (W2 @ dscores[n]) * (Z1[n] > 0)
                grads[0][n] = W1 @ dz
                grads[1] += np.outer(X[n], dz)
                grads[2] += dz
                grads[3] += np.outer(H1[n], dscores[n])
                grads[4] += dscores[n]
            return tuple(grads)
    """),
    "projection by QR": ("tensors.project_onto_span", """
        def project_onto_span(x, V):
            u, s, _ = np.linalg.svd(V.T, full_matrices=False)
            basis = u[:, s > s.max() * 1e-10] if s.size and s.max() > 0 else u[:, :0]
            return basis @ (basis.T @ x)
    """),
}

NARROWING = {
    "projection onto a single spanning vector forgets to normalize": ("tensors.project_onto_span", """
        def project_onto_span(x, V):
            if V.shape[0] == 1:
                return (V[0] @ x) * V[0]
            c = np.linalg.lstsq(V.T, x, rcond=None)[0] if V.shape[0] else np.zeros(0)
            return V.T @ c if V.shape[0] else np.zeros_like(x)
    """),
    "projection with no vectors (k = 0) returns x": ("tensors.project_onto_span", """
        def project_onto_span(x, V):
            if V.shape[0] == 0:
                return np.array(x, dtype=np.float64)
            return V.T @ np.linalg.lstsq(V.T, x, rcond=None)[0]
    """),
    "rank ignores tol": ("tensors.rank", """
        def rank(A, tol=None):
            A = np.asarray(A, dtype=np.float64)
            if A.ndim != 2:
                raise ValueError("2-D")
            return 0 if A.size == 0 else int(np.linalg.matrix_rank(A))
    """),
    "inverse accepts a numerically singular matrix": ("tensors.inverse", """
        def inverse(A):
            A = np.asarray(A, dtype=np.float64)
            if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
                raise ValueError("square")
            if np.linalg.det(A) == 0:
                raise ValueError("matrix is singular")
            return np.linalg.inv(A)
    """),
    "the empty set is not independent": ("tensors.is_linearly_independent", """
        def is_linearly_independent(V):
            V = np.asarray(V, dtype=np.float64)
            if V.ndim != 2:
                raise ValueError("2-D")
            return bool(V.shape[0] > 0 and np.linalg.matrix_rank(V) == V.shape[0])
    """),
    "tanh derivative exactly 0 in the tails": ("activations.tanh_derivative", """
        def tanh_derivative(z):
            return 1 - np.tanh(z) ** 2
    """),
    "sigmoid derivative exactly 0 in the right tail": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            s = sigmoid(z)
            return s * (1 - s)
    """),
    "step(-0.0) is 0": ("activations.step", """
        def step(z):
            return np.where(np.signbit(z), 0.0, 1.0)
    """),
    "perceptron update defaults to lr = 0.5": ("perceptron.perceptron_update", """
        def perceptron_update(w, b, x, y, lr=0.5):
            w = np.array(w, dtype=np.float64)
            if w.shape != np.shape(x):
                raise ValueError("shapes")
            if y * (w @ x + b) <= 0:
                return w + lr * y * x, float(b + lr * y)
            return w, float(b)
    """),
    "training ignores max_epochs": ("perceptron.train_perceptron", """
        def train_perceptron(X, y, lr=1.0, max_epochs=100):
            X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
            if X.ndim != 2 or y.shape != (X.shape[0],):
                raise ValueError("shapes")
            w, b, mistakes = np.zeros(X.shape[1]), 0.0, 0
            for _ in range(100):
                errors = 0
                for xi, yi in zip(X, y):
                    if yi * (w @ xi + b) <= 0:
                        w, b, errors = w + lr * yi * xi, b + lr * yi, errors + 1
                mistakes += errors
                if errors == 0:
                    break
            return w, float(b), int(mistakes)
    """),
    "feedforward fails with no layers": ("network.feedforward", """
        def feedforward(X, params, activations):
            functions = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "identity": lambda z: z}
            if len(params) != len(activations) or not params:
                raise ValueError("layers")
            out = np.array(X, dtype=np.float64)
            for (W, b), name in zip(params, activations):
                out = functions[name](dense_forward(out, W, b))
            return out
    """),
    "predict is -1 on the boundary": ("perceptron.predict", """
        def predict(w, b, X):
            if w.ndim != 1 or X.ndim != 2 or X.shape[1] != w.shape[0]:
                raise ValueError("shapes")
            return np.where(X @ w + b > 0, 1.0, -1.0)
    """),
}


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "sigmoid_derivative: evaluated at the output, sigmoid'(sigmoid(z))": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            s = sigmoid(sigmoid(z))
            return s * (1.0 - s)
    """, "the derivative evaluated at the output instead of the input",
        ["sigmoid_derivative_key"]),
    "sigmoid_derivative: the output form applied to z, z (1 - z)": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            return z * (1.0 - z)
    """, "the output-form derivative applied to the input", ["sigmoid_derivative_key"]),
    "tanh_derivative: evaluated at the output, tanh'(tanh(z))": ("activations.tanh_derivative", """
        def tanh_derivative(z):
            return 1.0 - np.tanh(np.tanh(z)) ** 2
    """, "the derivative evaluated at the output instead of the input",
        ["tanh_derivative_key"]),
    "tanh_derivative: a sign flip": ("activations.tanh_derivative", """
        def tanh_derivative(z):
            return np.tanh(z) ** 2 - 1.0
    """, "a sign flip", ["tanh_derivative_key"]),
}


FORWARD_ONLY = {  # a forward's bug costs points only in its own checks and those of what composes it
    "dense_forward adds 2b": ("network.dense_forward", reference_def(UNIT, "network", "dense_forward", {
        "return X @ W + b": "return X @ W + 2 * b"}), ("network.feedforward", "network.two_layer_forward")),
    "tanh of 2z": ("activations.tanh", reference_def(UNIT, "activations", "tanh", {
        "return np.tanh(z)": "return np.tanh(2.0 * z)"}), ()),
}

# the field's common mutants (a constant bias factor, a sign, a transpose): one score under every id
NARROWING.update({
    "dense_forward adds 2b (narrowing: one score under every id)": ("network.dense_forward", reference_def(
        UNIT, "network", "dense_forward", {"return X @ W + b": "return X @ W + 2 * b"})),
    "two_layer_backward flips the sign of dX": ("network.two_layer_backward", reference_def(
        UNIT, "network", "two_layer_backward", {"dX = dZ1 @ W1.T": "dX = -(dZ1 @ W1.T)"})),
    "two_layer_backward masks the ReLU at Z1 > 0.05 (full marks in 16 ids of 20 before FIRST_ROW_Z1)": (
        "network.two_layer_backward", reference_def(UNIT, "network", "two_layer_backward", {
            "(Z1 > 0)": "(Z1 > 0.05)"})),
    "two_layer_backward doubles dW2": ("network.two_layer_backward", reference_def(
        UNIT, "network", "two_layer_backward", {"dW2 = H1.T @ dscores": "dW2 = (H1.T @ dscores) * 2"})),
})


def test_self_check_names_the_forward_to_fix_first(tmp_path):
    """Without the reference (the self-check) the backward's gradient check differentiates the student's
    own forward: a forward bug fails it, and the message says so and names the forward to fix first."""
    from ..support import grade, make_submission

    target, source, _ = FORWARD_ONLY["dense_forward adds 2b"]
    report = grade(make_submission(tmp_path, UNIT, {target: source}), UNIT, only=["two_layer_gradient_check"],
                   use_reference=False)
    (result,) = report.results
    assert result.status == "failed" and "finite differences are of YOUR two_layer_forward" in result.output
    assert "fix two_layer_forward first" in result.output


def test_a_backward_that_raises_is_reported_as_raising_and_labels_stay_apart(tmp_path):
    """The forward works, the backward is still the stub: every contract case says it is not
    implemented yet (never that it "returned only zeros"), and the labels of cases that share an
    error are told apart although they hold commas."""
    from ..support import grade, make_submission

    stub = "def two_layer_backward(dscores, cache):\n    raise NotImplementedError\n"
    path = make_submission(tmp_path, UNIT, {"network.two_layer_backward": stub})
    text = grade(path, UNIT, only=["two_layer_backward_contract"]).by_name()["two_layer_backward_contract"].output
    assert "two_layer_backward is not implemented yet" in text and "zeros for random" not in text, text
    assert "returned" not in text and "all-zero" not in text, text
    assert "(zero upstream gradient gives zero gradients; dscores of shape (4, 3)" in text, text


# two_layer_forward's cache in a layout of the student's own, read by a backward written for it
OWN_CACHE = {
    "a dict": ("""
        def two_layer_forward(X, W1, b1, W2, b2):
            X, W1, b1, W2, b2 = (np.array(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
            Z1 = X @ W1 + b1
            H1 = np.maximum(Z1, 0.0)
            return H1 @ W2 + b2, {"X": X, "W1": W1, "W2": W2, "Z1": Z1, "H1": H1}
    """, """
        def two_layer_backward(dscores, cache):
            if dscores.shape != (cache["X"].shape[0], cache["W2"].shape[1]):
                raise ValueError("dscores has the wrong shape")
            dZ1 = (dscores @ cache["W2"].T) * (cache["Z1"] > 0)
            return (dZ1 @ cache["W1"].T, cache["X"].T @ dZ1, dZ1.sum(axis=0), cache["H1"].T @ dscores,
                    dscores.sum(axis=0))
    """),
    "a tuple in another order": ("""
        def two_layer_forward(X, W1, b1, W2, b2):
            X, W1, b1, W2, b2 = (np.array(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
            Z1 = X @ W1 + b1
            H1 = np.maximum(Z1, 0.0)
            return H1 @ W2 + b2, (H1, Z1, W2, W1, X)
    """, """
        def two_layer_backward(dscores, cache):
            H1, Z1, W2, W1, X = cache
            if dscores.shape != (X.shape[0], W2.shape[1]):
                raise ValueError("dscores has the wrong shape")
            dZ1 = (dscores @ W2.T) * (Z1 > 0)
            return dZ1 @ W1.T, X.T @ dZ1, dZ1.sum(axis=0), H1.T @ dscores, dscores.sum(axis=0)
    """),
}
BACKWARD_CHECKS = ["two_layer_gradient_check", "two_layer_backward_contract", "two_layer_backward_reference"]


def backward_scores(tmp_path, changes):
    """The backward's checks under 20 submission ids: ``({id: score}, full marks)``."""
    from autograder.suite import load_suite

    from ..support import make_submission, scores_under_ids
    from .unit_contract import SUBMISSION_IDS

    scores = scores_under_ids(make_submission(tmp_path, UNIT, changes), UNIT, BACKWARD_CHECKS, SUBMISSION_IDS)
    return scores, sum(c.points for c in load_suite(UNIT).select(BACKWARD_CHECKS))


@pytest.mark.parametrize("layout", list(OWN_CACHE))
def test_a_cache_of_the_students_own_layout_keeps_full_backward_marks(tmp_path, layout):
    """Official grading hands the backward its own forward's cache first (the reference's only where
    that fails): a correct backward for a dict or reordered cache gets full marks under every id, and
    the same backward without the ReLU mask loses them under every id."""
    forward, backward = OWN_CACHE[layout]
    changes = {"network.two_layer_forward": forward, "network.two_layer_backward": backward}
    scores, best = backward_scores(tmp_path, changes)
    assert set(scores.values()) == {best}, scores
    changes["network.two_layer_backward"] = backward.replace(" * (cache[\"Z1\"] > 0)", "").replace(" * (Z1 > 0)", "")
    scores, _ = backward_scores(tmp_path, changes)
    assert len(set(scores.values())) == 1 and max(scores.values()) < best, scores


def test_a_forward_that_raises_costs_the_backward_nothing(tmp_path):
    """The forward still the stub, the backward correct: the reference forward's cache is read instead."""
    stub = "def two_layer_forward(X, W1, b1, W2, b2):\n    raise NotImplementedError\n"
    scores, best = backward_scores(tmp_path, {"network.two_layer_forward": stub})
    assert set(scores.values()) == {best}, scores


def test_the_shipped_example_with_a_dict_cache_keeps_full_backward_marks():
    """tests/examples' alice_happy_path caches a dict and reads it in her backward (make grade gave her
    0 of 8 backward points when official grading handed her backward the reference's tuple)."""
    from ..support import ROOT, grade

    report = grade(ROOT / "tests" / "examples" / UNIT / "alice_happy_path", UNIT, only=BACKWARD_CHECKS)
    lost = [f"{r.name}: {r.output}" for r in report.results if r.score < r.max_score]
    assert not lost and report.score == report.max_score > 0, lost


# a training loop that stops too early: one score under every id (a one-epoch loop kept the points of
# training_converges, and of training_matches_reference, on the draws that one pass separates)
ONE_EPOCH = MUTANTS["training stops after one epoch"][1]
NARROWING.update({
    "train_perceptron stops after one epoch": ("perceptron.train_perceptron", ONE_EPOCH),
    "train_perceptron stops after two epochs": ("perceptron.train_perceptron", reference_def(
        UNIT, "perceptron", "train_perceptron", {"for _ in range(max_epochs):": "for _ in range(min(max_epochs, 2)):"})),
})
ALTERNATIVES["train_perceptron stops mid-epoch once every point is right"] = ("perceptron.train_perceptron", """
    def train_perceptron(X, y, lr=1.0, max_epochs=100):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError("expected X (N, D) and y (N,)")
        w, b, mistakes = np.zeros(X.shape[1]), 0.0, 0
        for _ in range(max_epochs):
            for xi, yi in zip(X, y):
                if np.all(y * (X @ w + b) > 0):
                    return w, float(b), mistakes
                if yi * (w @ xi + b) <= 0:
                    w, b, mistakes = w + lr * yi * xi, b + lr * yi, mistakes + 1
        return w, float(b), mistakes
""")


@pytest.mark.parametrize("order", ["zip(X[::-1], y[::-1])", "zip(X[np.argsort(X[:, 0])], y[np.argsort(X[:, 0])])"])
def test_another_visiting_order_keeps_the_public_training_points(tmp_path, order):
    """The mistake bound holds for any visiting order: a perceptron visiting the points in another
    order (not the docstring's, so training_matches_reference fails it) converges on the public
    check's data under every id."""
    from autograder.suite import load_suite

    from ..support import make_submission, scores_under_ids
    from .unit_contract import SUBMISSION_IDS

    source = reference_def(UNIT, "perceptron", "train_perceptron", {"zip(X, y)": order})
    scores = scores_under_ids(make_submission(tmp_path, UNIT, {"perceptron.train_perceptron": source}), UNIT,
                              ["training_converges"], SUBMISSION_IDS)
    assert set(scores.values()) == {load_suite(UNIT).select(["training_converges"])[0].points}, scores
