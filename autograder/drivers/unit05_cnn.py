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
    step_adam = adam_stepper(list(model.parameters()))
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
        model.zero_grad()
        loss = torch.mean((model(x) - y) ** 2)
        loss.backward()
        step_adam(lr / 10 if step >= int(0.8 * steps) else lr)
        if every and (step + 1) % every == 0 and step + 1 < steps:
            taken.append(predict())
    return taken + [predict()] if every else predict()


def adam_stepper(params, betas=(0.9, 0.999), eps=1e-8):
    """``step(lr)``: one step of ``torch.optim.Adam(params, lr, betas, eps)`` on the gradients in
    ``params[i].grad`` (those without one are left alone, their moments too), through torch's
    functional form ``torch.optim.adam.adam``: the same arithmetic, without the class's step
    wrapper, which imports torch._dynamo (1.1 s) on its first call."""
    from torch.optim.adam import adam

    moments = [(torch.zeros_like(p), torch.zeros_like(p), torch.tensor(0.0)) for p in params]

    def step(lr):
        live = [i for i, p in enumerate(params) if p.grad is not None]
        with torch.no_grad():
            adam([params[i] for i in live], [params[i].grad for i in live], [moments[i][0] for i in live],
                 [moments[i][1] for i in live], [], [moments[i][2] for i in live], amsgrad=False,
                 beta1=betas[0], beta2=betas[1], lr=lr, weight_decay=0.0, eps=eps, maximize=False)
    return step


def student_meta_count(target, args):
    """Parameters of the submission's ``module.Class(*args)`` built on the meta device (no forward)."""
    with torch.device("meta"):
        module = student(target)(*args)  # noqa: F821
    return int(sum(p.numel() for p in module.parameters()))
