"""Driver: probe a submission's torch functions and modules from inside the worker.

Modules are seen as the stack of their ``torch.nn.Linear`` layers, in registration order; the
grader checks their shapes and recomputes forward and backward passes itself in numpy.
"""
import torch
from torch import nn


def vjp(target, args, upstream):
    """``out = target(*args)`` and the gradient of ``sum(upstream * out)`` with respect to every
    argument tensor that requires grad (None for those ``out`` does not depend on)."""
    out = student(target)(*args)  # noqa: F821 (injected by the worker)
    wrt = [a for a in args if torch.is_tensor(a) and a.requires_grad]
    grads = torch.autograd.grad(out, wrt, grad_outputs=torch.as_tensor(upstream, dtype=out.dtype),
                                allow_unused=True)
    return out.detach(), list(grads)


def _linears(module):
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def _array(t):
    return None if t is None else t.detach().double().numpy().copy()


def linear_layers(module):
    """[(weight, bias)] of the module's Linear layers as float64 arrays (bias None if absent)."""
    return [(_array(m.weight), _array(m.bias)) for m in _linears(module)]


def set_linear_layers(module, layers):
    """Copy [(weight, bias)] into the module's Linear layers, in order."""
    with torch.no_grad():
        for m, (w, b) in zip(_linears(module), layers):
            m.weight.copy_(torch.as_tensor(w))
            m.bias.copy_(torch.as_tensor(b))
    return True


def linear_grads(module):
    """[(weight.grad, bias.grad)] of the module's Linear layers (None where there is no grad)."""
    return [(_array(m.weight.grad), _array(m.bias.grad)) for m in _linears(module)]


def param_grads(target, args, module):
    """Backpropagate ``target(*args)`` (a scalar) and return ``linear_grads(module)``."""
    module.zero_grad(set_to_none=True)
    student(target)(*args).backward()  # noqa: F821
    return linear_grads(module)


def with_layers(module, layers, target, args):
    """``target(*args)`` after copying ``layers`` into the module (for finite differences)."""
    set_linear_layers(module, layers)
    return student(target)(*args)  # noqa: F821


def fill_grads(module, seed):
    """Set every parameter's .grad to seeded standard-normal values (stale gradients)."""
    gen = torch.Generator().manual_seed(int(seed))
    for p in module.parameters():
        p.grad = torch.randn(p.shape, generator=gen, dtype=p.dtype)
    return True


def sgd(module, lr):
    """A plain SGD optimizer (no momentum) over the module's parameters."""
    return torch.optim.SGD(module.parameters(), lr=float(lr))


def tanh_mlp(sizes, seed):
    """A trusted float64 MLP ``Linear -> tanh -> ... -> Linear`` with output (N,) (sizes[-1] == 1)."""
    torch.manual_seed(int(seed))
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(n_in, n_out)] + ([nn.Tanh()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers, nn.Flatten(0)).double()
