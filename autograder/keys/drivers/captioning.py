"""Instructor-only driver for unit 10's captioning: train the submission's CaptionDecoder on pooled
clip features with trusted code (full-batch Adam, teacher forcing, cross-entropy ignoring <pad>)
and decode held-out clips greedily. It never ships."""
import torch
import torch.nn.functional as F

PAD, BOS = 0, 1


class CaptionRun:
    """A seeded CaptionDecoder(D2, vocab_size) with its optimizer; trained in chunks of steps, so that
    no single call runs long."""

    def __init__(self, pooled, captions, vocab_size, lr, seed):
        torch.manual_seed(int(seed))
        self.pooled, self.captions = torch.as_tensor(pooled), torch.as_tensor(captions)
        self.inputs = torch.cat([torch.full((len(captions), 1), BOS), self.captions[:, :-1]], dim=1)
        self.decoder = student("captioning.CaptionDecoder")(self.pooled.shape[1], int(vocab_size))  # noqa: F821
        self.optimizer = torch.optim.Adam(self.decoder.parameters(), lr=float(lr))

    def train(self, steps):
        for _ in range(int(steps)):
            self.optimizer.zero_grad()
            logits = self.decoder(self.pooled, self.inputs)
            F.cross_entropy(logits.reshape(-1, logits.shape[-1]), self.captions.reshape(-1),
                            ignore_index=PAD).backward()
            self.optimizer.step()
        return True

    def decode(self, pooled, max_len):
        """The argmax tokens of ``max_len`` greedy steps per clip, int64 (N, max_len) (the grader cuts
        each row at its first <eos>)."""
        self.decoder.eval()
        with torch.no_grad():
            state = self.decoder.start(torch.as_tensor(pooled))
            token, out = torch.full((len(pooled),), BOS), []
            for _ in range(int(max_len)):
                logits, state = self.decoder.step(token, state)
                token = logits.argmax(dim=1)
                out.append(token)
        return torch.stack(out, dim=1).numpy().astype("int64")


def caption_run(pooled, captions, vocab_size, lr, seed):
    return CaptionRun(pooled, captions, vocab_size, lr, seed)
