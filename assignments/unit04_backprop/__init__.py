"""Unit 4 -- backpropagation.

The chain rule on small computational graphs, a scalar autograd engine (micrograd-style), the
forward pass, backward pass and weight update of a two-layer network trained on XOR, BPTT
(full and truncated) for a small vanilla RNN, and gradient clipping by global norm.
"""
