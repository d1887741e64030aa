"""Unit 5 checks: convolution and pooling, a small CNN, classic architectures, detection, style
transfer and super-resolution -- one module of checks per student module.

What ships here: adjoint tests, gradient checks against the student's own forwards, the backward
contract, properties, sympy keys of the formulas the docstrings state, counts, shapes and errors.
The answer keys (a convolution by one einsum, the max-pool gradient routing, the loss values, IoU,
NMS, the pixel shuffle) are in ``autograder/keys/unit05_cnn.py``.
"""
from . import conv_pool, network, architectures, detection, style, superres  # noqa: F401,I001  (registers, in order)
from .architectures import PUBLISHED  # noqa: F401
from .common import suite  # noqa: F401
