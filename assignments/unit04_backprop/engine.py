"""Unit 4: a scalar autograd engine in the style of micrograd.

A ``Value`` wraps one Python float. Arithmetic on Values builds a computational graph: every
result remembers the Values it was computed from and how to pass a gradient back to them.
``out.backward()`` then fills in ``v.grad = d out / d v`` for every Value ``v`` that ``out``
depends on, by the chain rule, visiting the nodes in reverse topological order.

Example::

    x, y = Value(2.0), Value(-1.0)
    f = (x * y + x).tanh()
    f.backward()          # now x.grad == (y.data + 1) * (1 - f.data**2), y.grad == x.data * (1 - f.data**2)
"""
import math


class Value:
    """A scalar node of a computational graph, with its value and the gradient of the output.

    Attributes:
        data: float, the value of this node.
        grad: float, d out / d self for the Value ``out`` on which backward() was last
            called; 0.0 until then.

    Every operation returns a new Value and accepts a plain Python number (int or float)
    wherever a Value is expected, on either side: ``x + 1``, ``2 * x``, ``1 - x`` and ``1 / x``
    all work. A node used more than once (``x * x``, or a Value feeding two different nodes)
    receives the sum of the gradients along every path.
    """

    def __init__(self, data, _children=()):
        """Args:
            data: a Python number, the value of the node (stored as a float).
            _children: tuple of the Values this node was computed from (empty for a leaf).
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def __add__(self, other):
        """self + other, with d/dself = 1 and d/dother = 1."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __mul__(self, other):
        """self * other, with d/dself = other and d/dother = self."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __pow__(self, exponent):
        """self ** exponent for a constant Python int or float exponent k: d/dself = k * self**(k-1).

        Raises:
            TypeError: if the exponent is not an int or a float (Values are not supported).
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def exp(self):
        """e ** self, with derivative e ** self."""
        # YOUR CODE HERE
        raise NotImplementedError

    def log(self):
        """Natural logarithm of self (self.data > 0), with derivative 1 / self."""
        # YOUR CODE HERE
        raise NotImplementedError

    def tanh(self):
        """Hyperbolic tangent, with derivative 1 - tanh(self) ** 2.

        Defined for every finite input: at self.data = 400 or -400 the value is 1.0 or -1.0 and
        the derivative 0.0 (no OverflowError, no warning).
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def relu(self):
        """max(self, 0), with derivative 1 where self > 0 and 0 otherwise (0 at self == 0)."""
        # YOUR CODE HERE
        raise NotImplementedError

    def backward(self):
        """Backpropagate from this node: set self.grad = 1.0, then, visiting every node this one
        depends on in reverse topological order (each node only after all nodes that use it),
        add its contribution to the grads of the nodes it was computed from.

        Call it once per graph: grads accumulate, so a second call would add to them again.
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def __neg__(self):
        """-self."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __radd__(self, other):
        """other + self, for a plain number other."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __sub__(self, other):
        """self - other."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __rsub__(self, other):
        """other - self, for a plain number other."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __rmul__(self, other):
        """other * self, for a plain number other."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __truediv__(self, other):
        """self / other."""
        # YOUR CODE HERE
        raise NotImplementedError

    def __rtruediv__(self, other):
        """other / self, for a plain number other."""
        # YOUR CODE HERE
        raise NotImplementedError

