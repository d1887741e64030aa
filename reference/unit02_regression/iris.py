"""Fisher's Iris data, shipped beside this file as iris.csv (its header notes the source).

150 flowers, 50 of each species, four measurements in cm: sepal length, sepal width, petal
length, petal width. Provided for you: use it to train and try your classifiers in
``multiclass``. (The grader loads the same file itself and passes the arrays to your functions.)
"""
import csv
from pathlib import Path

import numpy as np

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
CLASSES = ("setosa", "versicolor", "virginica")


def load_iris():
    """Load the Iris data set from iris.csv in this folder.

    Returns:
        A tuple (X, y):
        - X: float64 array of shape (150, 4), the measurements, columns in the order of FEATURES.
        - y: int64 array of shape (150,), the species as an index into CLASSES
          (0 setosa, 1 versicolor, 2 virginica).
    """
    with open(Path(__file__).parent / "iris.csv", newline="") as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    header, body = rows[0], rows[1:]
    if tuple(header) != (*FEATURES, "species"):
        raise ValueError(f"unexpected columns in iris.csv: {header}")
    X = np.array([[float(v) for v in row[:-1]] for row in body])
    y = np.array([CLASSES.index(row[-1]) for row in body], dtype=np.int64)
    return X, y
