"""Driver: unit 10's leaf-disease helpers -- the submission's weighted loss with its autograd
gradient, and its classifier built by build_classifier, trained by its own train_classifier and
scored here (logits[:, 1] - logits[:, 0] in eval mode)."""
import torch


def cross_entropy_and_gradient(logits, y, weights):
    """weighted_cross_entropy on float32 logits that require grad: {"kind": what it returned
    (type, shape, dtype), "loss": its value as float64, "grad": d loss / d logits as float64, or
    None where the loss is not a differentiable tensor}."""
    z = torch.tensor(logits, dtype=torch.float32, requires_grad=True)
    loss = student("leaf_disease.weighted_cross_entropy")(z, torch.as_tensor(y), torch.as_tensor(weights))  # noqa: F821
    if not isinstance(loss, torch.Tensor):
        return {"kind": type(loss).__name__, "loss": None, "grad": None}
    kind = f"a tensor of shape {tuple(loss.shape)} and dtype {str(loss.dtype).replace('torch.', '')}"
    grad = None
    if loss.numel() == 1 and loss.requires_grad:
        loss.sum().backward()
        grad = None if z.grad is None else z.grad.double().numpy()
    return {"kind": kind, "loss": loss.detach().double().numpy(), "grad": grad}


def train_and_score(weights, x, y, x_test, steps, lr, seed):
    """Seed torch, build_classifier(weights), train_classifier(model, x, y, steps, lr); returns
    (what train_classifier returned, the scores of x_test as float64)."""
    torch.manual_seed(int(seed))
    model = student("leaf_disease.build_classifier")(weights)  # noqa: F821
    losses = student("leaf_disease.train_classifier")(  # noqa: F821
        model, torch.as_tensor(x), torch.as_tensor(y), int(steps), float(lr))
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(x_test)).double()
    return losses, (logits[:, 1] - logits[:, 0]).numpy()
