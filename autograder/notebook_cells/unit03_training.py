# Try-it cells of the unit03_training notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% optimizers
# Four optimizers on the ill-conditioned bowl f(w) = (w0^2 + 10 w1^2) / 2.
def bowl(w):
    return 0.5 * (w[0] ** 2 + 10 * w[1] ** 2), np.array([w[0], 10 * w[1]])

plt.figure(figsize=(4.5, 3))
for name, step, lr in [("sgd", optimizers.sgd, 0.05), ("momentum", optimizers.sgd_momentum, 0.05),
                       ("rmsprop", optimizers.rmsprop, 0.05), ("adam", optimizers.adam, 0.1)]:
    w, state, losses = np.array([2.0, 1.0]), None, []
    for _ in range(100):
        loss, dw = bowl(w)
        losses.append(loss)
        w, state = step(w, dw, state, lr=lr)
    plt.semilogy(losses, label=name)
plt.xlabel("step")
plt.ylabel("loss")
plt.legend()
plt.show()
