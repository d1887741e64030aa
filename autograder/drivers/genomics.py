"""Driver: unit 10's genomics helpers -- build the submission's MotifCNN and train it with
trusted code (full-batch Adam on the binary cross-entropy of its logits)."""
import torch


def motif_cnn_shapes(num_filters, width, x):
    """(shape of model.conv.weight, model(x) as float64) for a new MotifCNN(num_filters, width)."""
    model = student("genomics.MotifCNN")(int(num_filters), int(width))  # noqa: F821
    with torch.no_grad():
        out = model(torch.as_tensor(x))
    return tuple(model.conv.weight.shape), out.double().numpy()


def train_motif_cnn(x, y, x_test, num_filters, width, steps, lr, seed):
    """Seed torch, build MotifCNN(num_filters, width), take ``steps`` full-batch Adam steps on
    BCE-with-logits, and return (logits for x_test as float64, conv weights as float64)."""
    torch.manual_seed(int(seed))
    model = student("genomics.MotifCNN")(int(num_filters), int(width))  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=float(lr))
    x, y = torch.as_tensor(x), torch.as_tensor(y, dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(int(steps)):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        scores = model(torch.as_tensor(x_test)).double().numpy()
    return scores, model.conv.weight.detach().double().numpy()
