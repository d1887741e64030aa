"""Unit 2 -- regression.

Linear regression (the mean squared error and its gradient, the closed form with an optional L2
penalty, gradient descent), logistic regression (the sigmoid, stable binary cross-entropy with
logits, odds and log-odds), and softmax regression (softmax, cross-entropy, training on the Iris
data set, and one-vs-rest with binary logistic regression). ``iris.load_iris`` loads the data.
"""
