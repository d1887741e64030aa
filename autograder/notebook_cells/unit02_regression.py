# Try-it cells of the unit02_regression notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% linear
# Gradient descent approaches the closed-form least-squares weights.
rng = np.random.default_rng(0)
X = np.c_[np.ones(60), rng.uniform(-2, 2, 60)]
y = X @ np.array([1.0, 2.5]) + rng.normal(0, 0.5, 60)
w_star = linear.linear_regression_closed_form(X, y)
w_gd, losses = linear.linear_regression_gd(X, y, lr=0.1, num_steps=60)
print("closed form", w_star, "| gradient descent", w_gd)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 2.8))
ax1.scatter(X[:, 1], y, s=8)
ax1.plot(np.sort(X[:, 1]), np.sort(X[:, 1]) * w_star[1] + w_star[0], "C3")
ax1.set_title("least-squares fit")
ax2.semilogy(losses - linear.mse_loss(X @ w_star, y) + 1e-16)
ax2.set_title("J(w_t) - J(w*)")
plt.tight_layout()
plt.show()
# %% multiclass
# Softmax regression on two Iris features, and its decision regions.
X, y = iris.load_iris()
petals = X[:, 2:]
Z = (petals - petals.mean(0)) / petals.std(0)
W, b = multiclass.train_softmax_regression(Z, y, 3, lr=0.5, num_steps=300)
print(f"training accuracy: {np.mean(multiclass.predict_classes(Z, W, b) == y):.1%}")
grid = np.linspace(-2.5, 2.5, 101)
xx, yy = np.meshgrid(grid, grid)
regions = multiclass.predict_classes(np.c_[xx.ravel(), yy.ravel()], W, b).reshape(xx.shape)
plt.figure(figsize=(3.5, 3))
plt.contourf(xx, yy, regions, alpha=0.25, levels=[-0.5, 0.5, 1.5, 2.5], cmap="viridis")
plt.scatter(Z[:, 0], Z[:, 1], c=y, s=10, cmap="viridis")
plt.xlabel("petal length (standardized)")
plt.ylabel("petal width")
plt.show()
