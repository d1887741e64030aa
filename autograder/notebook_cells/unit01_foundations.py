# Try-it cells of the unit01_foundations notebook (see autograder/notebooks.py).
# "# %% <module>" starts a cell placed after that module's exercise cell; the code runs in the
# notebook, where the unit's functions, np and plt are defined.
# %% tensors
# Project a point onto the line spanned by one vector; the residual is orthogonal to it.
V = np.array([[2.0, 1.0]])
x = np.array([1.0, 3.0])
p = project_onto_span(x, V)
print("projection", p, "| residual . V[0] =", dot(x - p, V[0]), "| rank of V:", rank(V))
plt.figure(figsize=(3, 3))
plt.axline((0, 0), tuple(V[0]), color="gray", lw=1)
plt.plot(*zip(x, p), "k--", lw=1)
plt.scatter(*np.array([x, p]).T, c=["C0", "C3"])
plt.gca().set_aspect("equal")
plt.title("projection onto span(V)")
plt.show()
# %% perceptron
# Train on two separable clouds and draw the decision boundary w . x + b = 0.
rng = np.random.default_rng(0)
X = np.concatenate([rng.normal([2, 2], 0.6, (20, 2)), rng.normal([-2, -1], 0.6, (20, 2))])
y = np.concatenate([np.ones(20), -np.ones(20)])
w, b, mistakes = train_perceptron(X, y)
print(f"w = {w}, b = {b:.2f}, {mistakes} mistakes in all; training accuracy {np.mean(predict(w, b, X) == y):.0%}")
grid = np.linspace(-4, 4, 81)
xx, yy = np.meshgrid(grid, grid)
zz = predict(w, b, np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
plt.figure(figsize=(3.5, 3))
plt.contourf(xx, yy, zz, alpha=0.2, cmap="coolwarm")
plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12)
plt.title("perceptron decision boundary")
plt.show()
# %% activations
# Each activation and its derivative.
z = np.linspace(-5, 5, 201)
fig, axes = plt.subplots(1, 4, figsize=(10, 2.2))
for ax, (name, f, df) in zip(axes, [("sigmoid", sigmoid, sigmoid_derivative), ("tanh", tanh, tanh_derivative),
                                    ("relu", relu, relu_derivative), ("step", step, None)]):
    ax.plot(z, f(z), label=name)
    if df is not None:
        ax.plot(z, df(z), "--", label="derivative")
    ax.set_title(name)
    ax.legend(fontsize=7)
plt.tight_layout()
plt.show()
# %% network
# A random two-layer network's output over the plane, and the gradient shapes of its backward pass.
rng = np.random.default_rng(1)
params = [(rng.normal(size=(2, 16)), rng.normal(size=16)), (rng.normal(size=(16, 1)), rng.normal(size=1))]
grid = np.linspace(-3, 3, 61)
xx, yy = np.meshgrid(grid, grid)
out = feedforward(np.c_[xx.ravel(), yy.ravel()], params, ["tanh", "sigmoid"]).reshape(xx.shape)
plt.figure(figsize=(3.5, 3))
plt.contourf(xx, yy, out, levels=20, cmap="viridis")
plt.colorbar()
plt.title("feedforward(X): tanh -> sigmoid")
plt.show()
scores, cache = two_layer_forward(rng.normal(size=(5, 2)), params[0][0], params[0][1], params[1][0], params[1][1])
print("gradient shapes:", [g.shape for g in two_layer_backward(np.ones_like(scores), cache)])
