# Try-it cells of the unit07_gan notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% theory
# The optimal discriminator D*(x) = p_data / (p_data + p_model) for two Gaussians.
x = np.linspace(-5, 5, 401)
p_data = np.exp(-0.5 * (x - 1) ** 2) / np.sqrt(2 * np.pi)
p_model = np.exp(-0.5 * (x + 1) ** 2 / 1.5 ** 2) / (1.5 * np.sqrt(2 * np.pi))
plt.figure(figsize=(4.5, 3))
plt.plot(x, p_data, label="p_data")
plt.plot(x, p_model, label="p_model")
plt.plot(x, theory.optimal_discriminator(p_data, p_model), "k--", label="D*(x)")
plt.legend()
plt.show()
print("V(D*, G) =", theory.optimal_value(p_data, p_model, x[1] - x[0]), "(-log 4 when p_model = p_data)")
