# Try-it cells of the unit06_rnn notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% vanishing
# How ||dh_t / dh_0|| shrinks or grows with the scale of the recurrent weights (tanh RNN).
rng = np.random.default_rng(0)
H, T = 16, 40
Q, _ = np.linalg.qr(rng.normal(size=(H, H)))
drive = rng.normal(0, 0.1, (T, H))
plt.figure(figsize=(4.5, 3))
for scale in (0.5, 1.0, 1.5, 3.0):
    plt.semilogy(np.arange(1, T + 1), vanishing.jacobian_norms(scale * Q, drive, np.zeros(H), "tanh"),
                 label=f"||Wh|| = {scale}")
plt.xlabel("t")
plt.ylabel("||dh_t / dh_0||")
plt.legend()
plt.show()
