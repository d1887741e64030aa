# Try-it cells of the unit09_evaluation notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% curves
# ROC curves of a good and a weak scorer on the same labels.
rng = np.random.default_rng(0)
y = (rng.random(300) < 0.3).astype(int)
plt.figure(figsize=(3.5, 3.2))
for name, noise in (("good", 0.6), ("weak", 2.0)):
    scores = y + rng.normal(0, noise, y.size)
    fpr, tpr, _ = curves.roc_curve(y, scores)
    plt.plot(fpr, tpr, label=f"{name}: AUC = {curves.roc_auc(y, scores):.3f}")
plt.plot([0, 1], [0, 1], "k:", lw=1)
plt.xlabel("false positive rate")
plt.ylabel("true positive rate")
plt.legend()
plt.show()
