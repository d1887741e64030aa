# Try-it cells of the unit04_backprop notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% network
# Train the two-layer network on XOR-like data: the loss curve and the decision regions.
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, (200, 2))
y = (X[:, :1] * X[:, 1:] > 0).astype(float)
params = {"W1": rng.normal(0, 1, (2, 8)), "b1": np.zeros(8), "W2": rng.normal(0, 1, (8, 1)), "b2": np.zeros(1)}
trained, losses = network.train(X, y, params, lr=1.0, epochs=500)
grid = np.linspace(-1, 1, 61)
xx, yy = np.meshgrid(grid, grid)
p, _ = network.forward(np.c_[xx.ravel(), yy.ravel()], trained)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3))
ax1.plot(losses)
ax1.set_title("binary cross-entropy")
ax2.contourf(xx, yy, p.reshape(xx.shape), levels=20, cmap="coolwarm")
ax2.scatter(X[:, 0], X[:, 1], c=y[:, 0], s=6, cmap="coolwarm", edgecolors="k", linewidths=0.2)
ax2.set_title("p(y = 1)")
plt.tight_layout()
plt.show()
