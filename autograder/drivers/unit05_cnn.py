"""Driver: unit 5's torch helpers -- shape traces on the meta device and a super-resolution fit.

``meta_summary`` is also imported by the grader to summarize the reference's classes the same way.
"""
import torch


def meta_summary(factory, args, input_shape, names):
    """Build ``factory(*args)`` on the meta device (no memory for weights) and run an input of
    ``input_shape`` through it. Returns {"output": shape, "parameters": sorted list of parameter
    shapes, "layers": {name: output shape of that submodule, or None if it never ran}}."""
    shapes = {}
    with torch.device("meta"):
        module = factory(*args)
        for name in names:
            module.get_submodule(name).register_forward_hook(
                lambda _m, _i, out, name=name: shapes.__setitem__(name, list(out.shape)))
        out = module(torch.empty(*input_shape))
    return {"output": list(out.shape), "parameters": sorted(list(p.shape) for p in module.parameters()),
            "layers": {name: shapes.get(name) for name in names}}


def student_meta_summary(target, args, input_shape, names):
    """:func:`meta_summary` of the submission's ``module.Class``."""
    return meta_summary(student(target), args, input_shape, names)  # noqa: F821


def fit_superres(low, high, low_test, scale, features, steps, lr, seed, every=None):
    """Train the submission's ``subpixel.SubPixelNet(scale, C, features)`` with Adam on the MSE
    between its output for ``low`` (N, C, H, W) and ``high`` (N, C, H * scale, W * scale), pixels
    centred by subtracting 0.5, the learning rate cut tenfold for the last fifth of the steps.
    Returns its float64 predictions for ``low_test``; with ``every``, a list of them, taken after
    every ``every`` steps and after the last (in eval mode, which changes nothing of the training)."""
    torch.manual_seed(int(seed))
    model = student("subpixel.SubPixelNet")(scale, low.shape[1], features)  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    x, y = (torch.as_tensor(a - 0.5, dtype=torch.float32) for a in (low, high))

    def predict():
        model.eval()
        with torch.no_grad():
            out = model(torch.as_tensor(low_test - 0.5, dtype=torch.float32)).double().numpy() + 0.5
        model.train()
        return out

    model.train()
    taken = []
    for step in range(steps):
        if step == int(0.8 * steps):
            for group in optimizer.param_groups:
                group["lr"] = lr / 10
        optimizer.zero_grad()
        loss = torch.mean((model(x) - y) ** 2)
        loss.backward()
        optimizer.step()
        if every and (step + 1) % every == 0 and step + 1 < steps:
            taken.append(predict())
    return taken + [predict()] if every else predict()


def student_meta_count(target, args):
    """Parameters of the submission's ``module.Class(*args)`` built on the meta device (no forward)."""
    with torch.device("meta"):
        module = student(target)(*args)  # noqa: F821
    return int(sum(p.numel() for p in module.parameters()))
