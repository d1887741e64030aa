"""Unit 3 -- training deep networks.

An L-layer MLP (forward and backward), vanishing and exploding gradients and the Xavier and He
initializers, weight decay, inverted dropout, batch normalization, the optimizers SGD, momentum,
RMSProp and Adam as step functions with explicit state, mini-batching and early stopping.
"""
