"""Unit 1 graded both ways: the contract tests plus unit-specific wrong and right answers."""
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
    "sigmoid derivative as s * (1 - s)": ("activations.sigmoid_derivative", """
        def sigmoid_derivative(z):
            s = 0.5 * (1 + np.tanh(np.asarray(z) / 2))
            return s * (1 - s)
    """),
    "perceptron training with explicit loops": ("perceptron.train_perceptron", """
        def train_perceptron(X, y, lr=1.0, max_epochs=100):
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
