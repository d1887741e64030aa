"""Driver (instructor only): train the submission's NextEventGRU with trusted code -- full-batch Adam
on the masked cross-entropy (the answer to masked_cross_entropy, so it does not ship)."""
import torch


def train_next_event(num_events, embed_dim, hidden_dim, inputs, targets, mask, test_inputs, steps, lr, seed):
    """Seed torch, build NextEventGRU(num_events, embed_dim, hidden_dim), take ``steps`` full-batch
    Adam steps on the cross-entropy of the real steps, and return the predicted next events (argmax
    of the logits, int64) for ``test_inputs``."""
    torch.manual_seed(int(seed))
    model = student("behaviour.NextEventGRU")(int(num_events), int(embed_dim), int(hidden_dim))  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=float(lr))
    x, y, m = torch.as_tensor(inputs), torch.as_tensor(targets), torch.as_tensor(mask)
    for _ in range(int(steps)):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x)[m], y[m]).backward()
        optimizer.step()
    with torch.no_grad():
        return model(torch.as_tensor(test_inputs)).argmax(dim=-1).numpy()
