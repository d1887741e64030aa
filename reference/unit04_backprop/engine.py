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
        ### BEGIN SOLUTION
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._backward = lambda: None
        ### END SOLUTION

    def __add__(self, other):
        """self + other, with d/dself = 1 and d/dother = 1."""
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        """self * other, with d/dself = other and d/dother = self."""
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, exponent):
        """self ** exponent for a constant Python int or float exponent k: d/dself = k * self**(k-1).

        Raises:
            TypeError: if the exponent is not an int or a float (Values are not supported).
        """
        ### BEGIN SOLUTION
        if not isinstance(exponent, (int, float)):
            raise TypeError("only int or float exponents are supported")
        out = Value(self.data ** exponent, (self,))

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self):
        """e ** self, with derivative e ** self."""
        ### BEGIN SOLUTION
        out = Value(math.exp(self.data), (self,))

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def log(self):
        """Natural logarithm of self (self.data > 0), with derivative 1 / self."""
        ### BEGIN SOLUTION
        out = Value(math.log(self.data), (self,))

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        """Hyperbolic tangent, with derivative 1 - tanh(self) ** 2.

        Defined for every finite input: at self.data = 400 or -400 the value is 1.0 or -1.0 and
        the derivative 0.0 (no OverflowError, no warning).
        """
        ### BEGIN SOLUTION
        out = Value(math.tanh(self.data), (self,))

        def _backward():
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self):
        """max(self, 0), with derivative 1 where self > 0 and 0 otherwise (0 at self == 0)."""
        ### BEGIN SOLUTION
        out = Value(max(self.data, 0.0), (self,))

        def _backward():
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def backward(self):
        """Backpropagate from this node: set self.grad = 1.0, then, visiting every node this one
        depends on in reverse topological order (each node only after all nodes that use it),
        add its contribution to the grads of the nodes it was computed from.

        Call it once per graph: grads accumulate, so a second call would add to them again.
        """
        ### BEGIN SOLUTION
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
        ### END SOLUTION

    def __neg__(self):
        """-self."""
        ### BEGIN SOLUTION
        return self * -1
        ### END SOLUTION

    def __radd__(self, other):
        """other + self, for a plain number other."""
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __sub__(self, other):
        """self - other."""
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __rsub__(self, other):
        """other - self, for a plain number other."""
        ### BEGIN SOLUTION
        return other + (-self)
        ### END SOLUTION

    def __rmul__(self, other):
        """other * self, for a plain number other."""
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __truediv__(self, other):
        """self / other."""
        ### BEGIN SOLUTION
        return self * other**-1
        ### END SOLUTION

    def __rtruediv__(self, other):
        """other / self, for a plain number other."""
        ### BEGIN SOLUTION
        return other * self**-1
        ### END SOLUTION

