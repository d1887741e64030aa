"""Driver: unit 10's behaviour-prediction helpers -- build the submission's NextEventGRU and call its
masked_cross_entropy on tensors, returning only data (shapes, float64 arrays, floats)."""
import torch


def gru_facts(num_events, embed_dim, hidden_dim, x):
    """({parameter name: shape}, the logits' dtype, the logits as float64) for a new NextEventGRU on x."""
    model = student("behaviour.NextEventGRU")(int(num_events), int(embed_dim), int(hidden_dim))  # noqa: F821
    shapes = {name: list(p.shape) for name, p in model.named_parameters()}
    with torch.no_grad():
        out = model(torch.as_tensor(x))
    return shapes, str(out.dtype).replace("torch.", ""), out.double().numpy()


def gru_logits(num_events, embed_dim, hidden_dim, batches, seed):
    """Seed torch, build one NextEventGRU, and return (its logits as float64 for each batch in
    ``batches``, its state dict as float64 arrays)."""
    torch.manual_seed(int(seed))
    model = student("behaviour.NextEventGRU")(int(num_events), int(embed_dim), int(hidden_dim))  # noqa: F821
    with torch.no_grad():
        outs = [model(torch.as_tensor(x)).double().numpy() for x in batches]
    return outs, {name: value.detach().double().numpy() for name, value in model.state_dict().items()}


def masked_loss(logits, targets, mask):
    """("ok" or what was returned instead, the loss as a float, its gradient with respect to
    ``logits`` as float64) for the submission's masked_cross_entropy on float64 logits."""
    logits = torch.tensor(logits, requires_grad=True)
    loss_fn = student("behaviour.masked_cross_entropy")  # noqa: F821
    loss = loss_fn(logits, torch.as_tensor(targets), torch.as_tensor(mask))
    if not isinstance(loss, torch.Tensor):
        return f"a {type(loss).__name__}, not a tensor", None, None
    if loss.dim() != 0:
        return f"a tensor of shape {tuple(loss.shape)}, not 0-dimensional", None, None
    if not loss.requires_grad:
        return "a tensor that does not backpropagate to logits", None, None
    loss.backward()
    grad = logits.grad if logits.grad is not None else torch.zeros_like(logits)
    return "ok", float(loss), grad.double().numpy()
