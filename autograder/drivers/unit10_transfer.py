"""Driver: unit 10's torch helpers -- inspect a student's model and optimizer, build models with
trusted code to test one student function at a time, and train the three transfer recipes."""
import torch
from torch import nn


class ShapeNet(nn.Module):
    """The architecture backbone.ShapeNet gives (trusted copy: checks of one function never run the
    submission's class)."""

    def __init__(self, num_classes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16, num_classes)

    def forward(self, x):
        return self.head(self.features(x))


def same(a, b):
    return a is b


def requires_grad(model):
    """{parameter name: requires_grad}."""
    return {name: bool(p.requires_grad) for name, p in model.named_parameters()}


def set_requires_grad(model, names, flag):
    for name, p in model.named_parameters():
        if name in names:
            p.requires_grad_(bool(flag))
    return True


def training_flags(model):
    """{module name ("" for the model itself): module.training}."""
    return {name: bool(m.training) for name, m in model.named_modules()}


def train_mode(model):
    model.train()
    return True


def optimizer_groups(model, optimizer):
    """The optimizer's class name and, per parameter group, its numeric and boolean settings
    (lr, momentum, ...) and "params": the names of its parameters (None for a tensor that is not
    a parameter of ``model``)."""
    names = {id(p): name for name, p in model.named_parameters()}
    groups = []
    for g in optimizer.param_groups:
        settings = {k: v for k, v in g.items() if type(v) in (bool, int, float)}
        groups.append({**settings, "params": [names.get(id(p)) for p in g["params"]]})
    return type(optimizer).__name__, groups


def new_model():
    """A new ShapeNet built here (the grader copies the pretrained weights in with
    torch_tools.load_state)."""
    return ShapeNet()


def prepared(model, num_classes, frozen):
    """``model`` set up here rather than by the student's functions: a new head of ``num_classes``
    (0 keeps the pretrained head), the parameters named in ``frozen`` frozen, eval mode, and a plain
    SGD optimizer (lr 0.05 for the backbone, 0.5 for the head). Returns (model, optimizer)."""
    if num_classes:
        model.head = torch.nn.Linear(model.head.in_features, int(num_classes))
    set_requires_grad(model, frozen, False)
    optimizer = torch.optim.SGD([{"params": list(model.features.parameters()), "lr": 0.05},
                                 {"params": list(model.head.parameters()), "lr": 0.5}])
    return model.eval(), optimizer


def forward_as_is(model, x):
    """model(x) in whatever mode the model is in, without gradients, as float64."""
    with torch.no_grad():
        return model(torch.as_tensor(x)).double().numpy()


def train_recipe(weights, x, y, x_test, num_classes, mode, steps, lr, seed):
    """Seed torch, build (model, optimizer) with the submission's setup_transfer, take ``steps``
    full-batch train_step calls (freeze_bn unless training from scratch), and return
    (model, predicted classes for x_test computed here in eval mode)."""
    torch.manual_seed(int(seed))
    model, optimizer = student("recipes.setup_transfer")(weights, num_classes, mode, lr)  # noqa: F821
    step = student("finetune.train_step")  # noqa: F821
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    for _ in range(int(steps)):
        step(model, optimizer, x, y, mode != "scratch")
    model.eval()
    with torch.no_grad():
        return model, model(torch.as_tensor(x_test)).argmax(dim=1).numpy()
