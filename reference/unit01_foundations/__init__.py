"""Unit 1 -- foundations.

Tensor operations (transpose, dot product, matrix product, inverse, rank, linear
independence, projection onto a span), the perceptron (prediction, learning rule,
training to convergence), elementwise activations with their derivatives, and the
forward pass (plus the backward pass of a two-layer ReLU net) of a feed-forward network.
"""
