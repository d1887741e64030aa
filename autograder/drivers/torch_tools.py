"""Driver: inspect and exercise a student's ``torch.nn.Module`` inside the worker."""
import torch


def count_parameters(module, trainable_only=False):
    """Number of scalar parameters (only those with requires_grad if ``trainable_only``)."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only))


def parameter_shapes(module):
    """{name: shape list} of the module's named parameters."""
    return {name: list(p.shape) for name, p in module.named_parameters()}


def state(module):
    """{name: float64 array} of parameters and buffers (what a check compares before/after)."""
    return {name: t.detach().cpu().double().numpy().copy() for name, t in module.state_dict().items()
            if t.is_floating_point()}


def load_state(module, arrays):
    """Copy the given arrays into the module's parameters and buffers (by name)."""
    current = module.state_dict()
    with torch.no_grad():
        for name, array in arrays.items():
            current[name].copy_(torch.as_tensor(array, dtype=current[name].dtype))
    return True


def seed(value):
    torch.manual_seed(int(value))
    return True


def forward(module, x, train=False):
    """``module(x)`` in train or eval mode without gradients, as a float64 array."""
    module.train(bool(train))
    with torch.no_grad():
        out = module(torch.as_tensor(x, dtype=torch.float32))
    return out.double().numpy().copy()


def build_on_meta(target, input_shape, *args):
    """Build the student's ``module.factory(*args)`` on the meta device (no memory for weights)
    and return (parameter count, output shape for an input of ``input_shape``).

    ``student`` (injected by the worker) resolves ``"module.function"`` in the submission.
    """
    with torch.device("meta"):
        module = student(target)(*args)  # noqa: F821
        out = module(torch.empty(*input_shape))
    return count_parameters(module), list(out.shape)
