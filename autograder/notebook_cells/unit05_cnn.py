# Try-it cells of the unit05_cnn notebook (see autograder/notebooks.py): "# %% <module>" starts a cell
# placed after that module's exercise cell; it runs in the notebook, where np, plt, the modules
# and their functions are defined.
# %% layers
# An edge filter and 2x2 max pooling on a small synthetic image.
image = np.zeros((1, 1, 16, 16))
image[0, 0, 4:12, 4:12] = 1.0
sobel = np.array([[[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]]])
edges, _ = layers.conv_forward(image, sobel, np.zeros(1), stride=1, pad=1)
pooled, _ = layers.max_pool_forward(np.abs(edges), pool_size=2, stride=2)
fig, axes = plt.subplots(1, 3, figsize=(7, 2.4))
for ax, (title, img) in zip(axes, [("input", image), ("conv (Sobel x)", edges), ("|conv| max-pooled", pooled)]):
    ax.imshow(img[0, 0], cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()
