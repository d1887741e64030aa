"""Unit 5 graded both ways, plus the reference against torch (conv2d, pooling, PixelShuffle, counts)."""
import numpy as np
import pytest

from ..support import ROOT, reference_def
from .unit_contract import *  # noqa: F401,F403

UNIT = "unit05_cnn"

MUTANTS = {
    "convolution flips the kernel": ("layers.conv_forward", """
        def conv_forward(x, w, b, stride=1, pad=0):
            w = np.ascontiguousarray(w[:, :, ::-1, ::-1])
            _, _, H, W = x.shape
            F, _, KH, KW = w.shape
            Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            out = np.zeros((x.shape[0], F, Ho, Wo)) + b[None, :, None, None]
            for p in range(KH):
                for q in range(KW):
                    out += np.einsum("nchw,fc->nfhw", xp[:, :, p:p + stride * (Ho - 1) + 1:stride,
                                                         q:q + stride * (Wo - 1) + 1:stride], w[:, :, p, q])
            return out, (x, w[:, :, ::-1, ::-1].copy(), stride, pad)
    """),
    "dx cropped at the wrong offset": ("layers.conv_backward", """
        def conv_backward(dout, cache):
            x, w, stride, pad = cache
            N, _, H, W = x.shape
            F, _, KH, KW = w.shape
            Ho, Wo = dout.shape[2:]
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            dxp, dw = np.zeros_like(xp), np.zeros_like(w)
            for p in range(KH):
                for q in range(KW):
                    win = (slice(None), slice(None), slice(p, p + stride * (Ho - 1) + 1, stride),
                           slice(q, q + stride * (Wo - 1) + 1, stride))
                    dw[:, :, p, q] = np.einsum("nchw,nfhw->fc", xp[win], dout)
                    dxp[win] += np.einsum("nfhw,fc->nchw", dout, w[:, :, p, q])
            return dxp[:, :, :H, :W].copy(), dw, dout.sum(axis=(0, 2, 3))
    """),
    "max pool backward sends the gradient to every tied maximum": ("layers.max_pool_backward", """
        def max_pool_backward(dout, cache):
            x, k, s = cache
            windows = _windows(x, k, s)
            mask = windows == windows.max(axis=-1, keepdims=True)
            dx = np.zeros_like(x)
            for i in range(windows.shape[2]):
                for j in range(windows.shape[3]):
                    m = mask[:, :, i, j].reshape(*x.shape[:2], k, k)
                    dx[:, :, i * s:i * s + k, j * s:j * s + k] += m * dout[:, :, i, j, None, None]
            return dx
    """),
    "max pool backward overwrites where windows overlap": ("layers.max_pool_backward", """
        def max_pool_backward(dout, cache):
            x, k, s = cache
            best = _windows(x, k, s).argmax(axis=-1)
            n, c, i, j = np.indices(best.shape)
            dx = np.zeros_like(x)
            dx[n, c, i * s + best // k, j * s + best % k] = dout
            return dx
    """),
    "softmax without the max shift overflows": ("cnn.softmax_cross_entropy", """
        def softmax_cross_entropy(scores, y):
            e = np.exp(scores)
            p = e / e.sum(axis=1, keepdims=True)
            rows = np.arange(len(y))
            d = p.copy()
            d[rows, y] -= 1
            return float(-np.log(p[rows, y]).mean()), d / len(y)
    """),
    "cnn backward ignores the ReLU": ("cnn.cnn_backward", """
        def cnn_backward(dscores, cache):
            conv_cache, a, pool_cache, flat, W2 = cache
            dflat = dscores @ W2.T
            dr = max_pool_backward(dflat.reshape(a.shape[0], a.shape[1], a.shape[2] // 2, a.shape[3] // 2), pool_cache)
            dx, dW1, db1 = conv_backward(dr, conv_cache)
            return {"x": dx, "W1": dW1, "b1": db1, "W2": flat.T @ dscores, "b2": dscores.sum(axis=0)}
    """),
    "basic block adds the shortcut after the last ReLU": ("architectures.BasicBlock", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.shortcut = _shortcut(in_channels, out_channels, stride)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                return torch.relu(self.bn2(self.conv2(out))) + self.shortcut(x)
    """),
    "GoogLeNet's paper 5x5 kernels (not the published count)": ("architectures.Inception", """
        class Inception(nn.Module):
            def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
                super().__init__()
                self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
                self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1), BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
                self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1), BasicConv2d(ch5x5red, ch5x5, 5, padding=2))
                self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                             BasicConv2d(in_channels, pool_proj, 1))

            def forward(self, x):
                return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)
    """),
    "ResNet-18 max pool without padding": ("architectures.ResNet18", """
        class ResNet18(nn.Module):
            def __init__(self, num_classes=1000):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
                self.bn1 = nn.BatchNorm2d(64)
                self.maxpool = nn.MaxPool2d(3, stride=2)
                self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
                self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128))
                self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256))
                self.layer4 = nn.Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512))
                self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
                self.fc = nn.Linear(512, num_classes)

            def forward(self, x):
                x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
                x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
                return self.fc(torch.flatten(self.avgpool(x), 1))
    """),
    "IoU does not subtract the intersection from the union": ("detection.iou", """
        def iou(boxes_a, boxes_b):
            a, b = boxes_a, boxes_b
            lo = np.maximum(a[:, None, :2], b[None, :, :2])
            hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
            inter = np.prod(np.clip(hi - lo, 0.0, None), axis=-1)
            area_a = np.prod(a[:, 2:] - a[:, :2], axis=-1)
            area_b = np.prod(b[:, 2:] - b[:, :2], axis=-1)
            return inter / (area_a[:, None] + area_b[None, :])
    """),
    "NMS suppresses at IoU equal to the threshold": ("detection.nms", """
        def nms(boxes, scores, iou_threshold=0.5):
            overlaps = iou(boxes, boxes) if len(boxes) else np.zeros((0, 0))
            keep = []
            for i in np.argsort(-scores):
                if all(overlaps[i, j] < iou_threshold for j in keep):
                    keep.append(int(i))
            return np.array(keep, dtype=np.int64)
    """),
    "gram backward assumes a symmetric upstream gradient": ("style.gram_backward", """
        def gram_backward(dG, features):
            N, C, H, W = features.shape
            return (2 * dG @ features.reshape(N, C, H * W) / (C * H * W)).reshape(features.shape)
    """),
    "pixel shuffle swaps the sub-pixel rows and columns": ("superres.pixel_shuffle", """
        def pixel_shuffle(x, r):
            if x.ndim != 4 or r < 1 or x.shape[1] % (r * r):
                raise ValueError("bad shape")
            N, Cr2, H, W = x.shape
            C = Cr2 // (r * r)
            return x.reshape(N, C, r, r, H, W).transpose(0, 1, 4, 3, 5, 2).reshape(N, C, H * r, W * r).copy()
    """),
    "sub-pixel net without its hidden ReLUs": ("subpixel.SubPixelNet", """
        class SubPixelNet(nn.Module):
            def __init__(self, scale=2, channels=1, features=32):
                super().__init__()
                self.conv1 = nn.Conv2d(channels, features, 5, padding=2)
                self.conv2 = nn.Conv2d(features, features // 2, 3, padding=1)
                self.conv3 = nn.Conv2d(features // 2, channels * scale * scale, 3, padding=1)
                self.shuffle = nn.PixelShuffle(scale)

            def forward(self, x):
                return self.shuffle(self.conv3(self.conv2(self.conv1(x))))
    """),
}

ALTERNATIVES = {
    "convolution with explicit loops": ("layers.conv_backward", """
        def conv_forward(x, w, b, stride=1, pad=0):
            if x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):
                raise ValueError("channels differ")
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            Ho, Wo = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            out = np.zeros((N, F, Ho, Wo))
            for n in range(N):
                for f in range(F):
                    for i in range(Ho):
                        for j in range(Wo):
                            patch = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                            out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
            return out, (x, w, b, stride, pad)

        def conv_backward(dout, cache):
            x, w, b, stride, pad = cache
            if dout.shape[:2] != (x.shape[0], w.shape[0]) or dout.shape[2:] != (
                    (x.shape[2] + 2 * pad - w.shape[2]) // stride + 1, (x.shape[3] + 2 * pad - w.shape[3]) // stride + 1):
                raise ValueError("dout has the wrong shape")
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros_like(b)
            for n in range(N):
                for f in range(F):
                    for i in range(dout.shape[2]):
                        for j in range(dout.shape[3]):
                            g = dout[n, f, i, j]
                            dxp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += g * w[f]
                            dw[f] += g * xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                            db[f] += g
            return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
    """),
    "convolution by im2col and col2im": ("layers.conv_backward", """
        def _im2col_indices(C, H, W, KH, KW, stride, pad):
            Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
            c, p, q = np.indices((C, KH, KW)).reshape(3, -1)
            i, j = np.indices((Ho, Wo)).reshape(2, -1) * stride
            return c[:, None], p[:, None] + i[None], q[:, None] + j[None], Ho, Wo

        def conv_forward(x, w, b, stride=1, pad=0):
            if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):
                raise ValueError("bad shapes")
            N, C, H, W = x.shape
            F = w.shape[0]
            c, r, s, Ho, Wo = _im2col_indices(C, H, W, w.shape[2], w.shape[3], stride, pad)
            cols = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))[:, c, r, s]   # (N, C*KH*KW, Ho*Wo)
            out = np.einsum("fk,nkl->nfl", w.reshape(F, -1), cols) + b[None, :, None]
            return out.reshape(N, F, Ho, Wo), (x.shape, cols, w, stride, pad)

        def conv_backward(dout, cache):
            shape, cols, w, stride, pad = cache
            N, C, H, W = (int(v) for v in shape)
            F = w.shape[0]
            c, r, s, Ho, Wo = _im2col_indices(C, H, W, w.shape[2], w.shape[3], stride, pad)
            if dout.shape != (N, F, Ho, Wo):
                raise ValueError("dout has the wrong shape")
            d = dout.reshape(N, F, -1)
            dw = np.einsum("nfl,nkl->fk", d, cols).reshape(w.shape)
            dcols = np.einsum("fk,nfl->nkl", w.reshape(F, -1), d)
            dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
            np.add.at(dxp, (slice(None), c, r, s), dcols)
            return dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw, d.sum(axis=(0, 2))
    """),
    "pooling with explicit loops over windows": ("layers.avg_pool_backward", """
        def max_pool_forward(x, pool_size=2, stride=2):
            N, C, H, W = x.shape
            Ho, Wo = conv_output_size(H, pool_size, stride), conv_output_size(W, pool_size, stride)
            out = np.zeros((N, C, Ho, Wo))
            for i in range(Ho):
                for j in range(Wo):
                    out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].max(axis=(2, 3))
            return out, (x.copy(), pool_size, stride)

        def max_pool_backward(dout, cache):
            x, k, s = cache
            if dout.shape != (*x.shape[:2], conv_output_size(x.shape[2], k, s), conv_output_size(x.shape[3], k, s)):
                raise ValueError("dout has the wrong shape")
            dx = np.zeros_like(x)
            for n in range(x.shape[0]):
                for c in range(x.shape[1]):
                    for i in range(dout.shape[2]):
                        for j in range(dout.shape[3]):
                            window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                            p, q = np.unravel_index(np.argmax(window), window.shape)
                            dx[n, c, i * s + p, j * s + q] += dout[n, c, i, j]
            return dx

        def avg_pool_forward(x, pool_size=2, stride=2):
            N, C, H, W = x.shape
            Ho, Wo = conv_output_size(H, pool_size, stride), conv_output_size(W, pool_size, stride)
            out = np.zeros((N, C, Ho, Wo))
            for i in range(Ho):
                for j in range(Wo):
                    out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].mean(axis=(2, 3))
            return out, (x.shape, pool_size, stride)

        def avg_pool_backward(dout, cache):
            shape, k, s = cache
            if dout.shape != (*shape[:2], conv_output_size(shape[2], k, s), conv_output_size(shape[3], k, s)):
                raise ValueError("dout has the wrong shape")
            dx = np.zeros(shape)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx[:, :, i * s:i * s + k, j * s:j * s + k] += dout[:, :, i, j, None, None] / k**2
            return dx
    """),
    "IoU one pair at a time": ("detection.iou", """
        def iou(boxes_a, boxes_b):
            if boxes_a.ndim != 2 or boxes_b.ndim != 2 or boxes_a.shape[1] != 4 or boxes_b.shape[1] != 4:
                raise ValueError("boxes must be (N, 4)")
            out = np.zeros((len(boxes_a), len(boxes_b)))
            for i, (ax1, ay1, ax2, ay2) in enumerate(boxes_a):
                for j, (bx1, by1, bx2, by2) in enumerate(boxes_b):
                    w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
                    h = max(0.0, min(ay2, by2) - max(ay1, by1))
                    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - w * h
                    out[i, j] = w * h / union
            return out
    """),
    "style losses through explicit channel loops": ("style.gram_backward", """
        def gram_matrix(features):
            N, C, H, W = features.shape
            G = np.zeros((N, C, C))
            for n in range(N):
                for c in range(C):
                    for d in range(C):
                        G[n, c, d] = np.sum(features[n, c] * features[n, d]) / (C * H * W)
            return G

        def gram_backward(dG, features):
            N, C, H, W = features.shape
            out = np.zeros_like(features)
            for n in range(N):
                for c in range(C):
                    for d in range(C):
                        out[n, c] += (dG[n, c, d] + dG[n, d, c]) * features[n, d] / (C * H * W)
            return out
    """),
    "pixel shuffle by slicing sub-pixel grids": ("superres.pixel_unshuffle", """
        def pixel_shuffle(x, r):
            if x.ndim != 4 or r < 1 or x.shape[1] % (r * r):
                raise ValueError("channels not divisible by r * r")
            N, Crr, H, W = x.shape
            out = np.empty((N, Crr // (r * r), H * r, W * r), dtype=x.dtype)
            for i in range(r):
                for j in range(r):
                    out[:, :, i::r, j::r] = x[:, i * r + j::r * r]
            return out

        def pixel_unshuffle(y, r):
            if y.ndim != 4 or r < 1 or y.shape[2] % r or y.shape[3] % r:
                raise ValueError("size not divisible by r")
            N, C, Hr, Wr = y.shape
            out = np.empty((N, C * r * r, Hr // r, Wr // r), dtype=y.dtype)
            for i in range(r):
                for j in range(r):
                    out[:, i * r + j::r * r] = y[:, :, i::r, j::r]
            return out
    """),
}


NARROWING = {  # each mishandles one case the docstrings name
    "convolution for square kernels only": ("layers.conv_forward", """
        def conv_forward(x, w, b, stride=1, pad=0):
            if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):
                raise ValueError("bad shapes")
            if w.shape[2] != w.shape[3]:
                raise ValueError("kernels must be square")
            _, _, H, W = x.shape
            F, _, KH, KW = w.shape
            Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            out = np.zeros((x.shape[0], F, Ho, Wo)) + b[None, :, None, None]
            for p in range(KH):
                for q in range(KW):
                    patch = xp[:, :, p:p + stride * (Ho - 1) + 1:stride, q:q + stride * (Wo - 1) + 1:stride]
                    out += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])
            return out, (x, w, stride, pad)
    """),
    "conv backward that crashes at pad = 0": ("layers.conv_backward", """
        def conv_backward(dout, cache):
            x, w, stride, pad = cache
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            inner = xp[:, :, pad:-pad, pad:-pad]   # empty when pad = 0
            if inner.size == 0:
                raise IndexError("nothing left to crop")
            N, _, H, W = x.shape
            F, _, KH, KW = w.shape
            Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
            if dout.shape != (N, F, Ho, Wo):
                raise ValueError("dout has the wrong shape")
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            dxp, dw = np.zeros_like(xp), np.zeros_like(w)
            for p in range(KH):
                for q in range(KW):
                    win = (slice(None), slice(None), slice(p, p + stride * (Ho - 1) + 1, stride),
                           slice(q, q + stride * (Wo - 1) + 1, stride))
                    dw[:, :, p, q] = np.einsum("nchw,nfhw->fc", xp[win], dout)
                    dxp[win] += np.einsum("nfhw,fc->nchw", dout, w[:, :, p, q])
            return dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw, dout.sum(axis=(0, 2, 3))
    """),
    "conv backward for stride 1 only": ("layers.conv_backward", """
        def conv_backward(dout, cache):
            x, w, stride, pad = cache
            if stride != 1:
                raise NotImplementedError("strided convolutions")
            N, _, H, W = x.shape
            F, _, KH, KW = w.shape
            Ho, Wo = conv_output_size(H, KH, stride, pad), conv_output_size(W, KW, stride, pad)
            if dout.shape != (N, F, Ho, Wo):
                raise ValueError("dout has the wrong shape")
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            dxp, dw = np.zeros_like(xp), np.zeros_like(w)
            for p in range(KH):
                for q in range(KW):
                    win = (slice(None), slice(None), slice(p, p + stride * (Ho - 1) + 1, stride),
                           slice(q, q + stride * (Wo - 1) + 1, stride))
                    dw[:, :, p, q] = np.einsum("nchw,nfhw->fc", xp[win], dout)
                    dxp[win] += np.einsum("nfhw,fc->nchw", dout, w[:, :, p, q])
            return dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw, dout.sum(axis=(0, 2, 3))
    """),
    "max pool backward for non-overlapping windows only": ("layers.max_pool_backward", """
        def max_pool_backward(dout, cache):
            x, pool_size, stride = cache
            if stride < pool_size:
                raise ValueError("overlapping windows are not supported")
            windows = _windows(x, pool_size, stride)
            if dout.shape != windows.shape[:4]:
                raise ValueError("dout has the wrong shape")
            best = windows.argmax(axis=-1)
            n, c, i, j = np.indices(best.shape)
            dx = np.zeros_like(x)
            np.add.at(dx, (n, c, i * stride + best // pool_size, j * stride + best % pool_size), dout)
            return dx
    """),
    "average pooling for square inputs only": ("layers.avg_pool_forward", """
        def avg_pool_forward(x, pool_size=2, stride=2):
            x = np.asarray(x, dtype=np.float64)
            if x.ndim == 4 and x.shape[2] != x.shape[3]:
                raise ValueError("images must be square")
            return _windows(x, pool_size, stride).mean(axis=-1), (np.array(x.shape), pool_size, stride)
    """),
    "cnn forward for 3x3 kernels only (pad 1 hard-coded)": ("cnn.cnn_forward", """
        def cnn_forward(x, params):
            W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2"))
            a, conv_cache = conv_forward(x, W1, b1, stride=1, pad=1)
            m, pool_cache = max_pool_forward(np.maximum(a, 0.0), pool_size=2, stride=2)
            flat = m.reshape(m.shape[0], -1)
            if W2.shape[0] != flat.shape[1] or b2.shape != (W2.shape[1],):
                raise ValueError("W2 and b2 do not chain")
            return flat @ W2 + b2, (conv_cache, a, pool_cache, flat, W2)
    """),
}

def test_reference_matches_torch():
    """The reference layers agree with torch's conv2d, pooling and pixel shuffle, forward and backward."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    from reference.unit05_cnn import layers, superres

    rng = np.random.default_rng(0)
    for (n, c, h, w), (f, kh, kw), s, p in (((2, 3, 7, 6), (4, 3, 2), 2, 1), ((1, 2, 9, 8), (3, 4, 3), 3, 2)):
        x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)), rng.standard_normal(f)
        out, cache = layers.conv_forward(x, wt, b, s, p)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
        expected = F.conv2d(tx, tw, tb, stride=s, padding=p)
        np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        dout = rng.standard_normal(out.shape)
        (expected * torch.tensor(dout)).sum().backward()
        for got, t in zip(layers.conv_backward(dout, cache), (tx, tw, tb)):
            np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-12, atol=1e-12)
        for k, st in ((2, 2), (3, 2), (2, 3)):
            for kind, fn in (("max", F.max_pool2d), ("avg", F.avg_pool2d)):
                tx = torch.tensor(x, requires_grad=True)
                out, cache = getattr(layers, f"{kind}_pool_forward")(x, k, st)
                expected = fn(tx, k, st)
                np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
                dout = rng.standard_normal(out.shape)
                (expected * torch.tensor(dout)).sum().backward()
                np.testing.assert_allclose(getattr(layers, f"{kind}_pool_backward")(dout, cache), tx.grad.numpy(),
                                           rtol=1e-12, atol=1e-12)
    x = rng.standard_normal((2, 18, 3, 4))
    np.testing.assert_array_equal(superres.pixel_shuffle(x, 3), torch.nn.PixelShuffle(3)(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(superres.pixel_unshuffle(x, 1), x)


def test_reference_networks_have_published_counts():
    torch = pytest.importorskip("torch")
    from autograder.units.unit05_cnn import PUBLISHED
    from reference.unit05_cnn import architectures

    for name, (count, _) in PUBLISHED.items():
        with torch.device("meta"):
            model = getattr(architectures, name)()
        assert sum(p.numel() for p in model.parameters()) == count, name


def test_the_reference_summaries_warm_up_draws_no_random_numbers():
    """It runs in a thread beside the checks (runner._warm): a draw from a global generator there
    would make the checks' inputs depend on timing."""
    import random

    torch = pytest.importorskip("torch")
    from autograder import derived
    from autograder.units.unit05_cnn import architectures as arch_checks
    from reference import unit05_cnn
    from reference.unit05_cnn import architectures  # noqa: F401 (the warm-up reads it from the package)

    derived._KNOWN.clear()  # read or built here, not found in this process's cache
    states = lambda: (torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())  # noqa: E731
    before = states()
    arch_checks.reference_summaries(unit05_cnn)
    arch_checks.meta_summaries(unit05_cnn)  # what it computes where its stored copy is stale
    after = states()
    assert torch.equal(before[0], after[0]) and (before[1] == after[1]).all() and before[2] == after[2]


def conv_backward_with(returned: str) -> str:
    """The reference conv_backward returning ``returned`` (from dx, dw, db)."""
    source = (ROOT / "reference" / UNIT / "layers.py").read_text()
    start = source.index("def conv_backward(")
    body = source[start:source.index("\ndef ", start + 1)]
    old = "    return dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw, dout.sum(axis=(0, 2, 3))"
    assert old in body
    return body.replace(old, "    dx, db = dxp[:, :, pad:pad + H, pad:pad + W].copy(), dout.sum(axis=(0, 2, 3))\n"
                        f"    return {returned}")


# one mutant per named mistake (autograder/checks/misconceptions.py) that applies to this unit
MISCONCEPTIONS = {
    "conv_backward: the bias gradient left at zero": ("layers.conv_backward", conv_backward_with("dx, dw, 0 * db"),
                                                      "a missing bias gradient", ["conv_backward_matches_reference"]),
    "conv_backward: every gradient's sign flipped": ("layers.conv_backward", conv_backward_with("-dx, -dw, -db"),
                                                     "a sign flip", ["conv_backward_matches_reference"]),
    "conv_backward: dw off by a factor 2": ("layers.conv_backward", conv_backward_with("dx, 2 * dw, db"),
                                            "a factor 2 too many", ["conv_backward_matches_reference"]),
}

FORWARD_ONLY = {  # a forward's bug costs points only in its own checks and those of what composes it
    "conv_forward adds 2b": ("layers.conv_forward", reference_def(UNIT, "layers", "conv_forward", {
        "+ b[None, :, None, None]": "+ 2 * b[None, :, None, None]"}), ("cnn.cnn_forward",)),
    "gram_matrix normalized by H * W only": ("style.gram_matrix", reference_def(UNIT, "style", "gram_matrix", {
        "/ (C * H * W)": "/ (H * W)"}), ()),
    # each cost the correct backward its contract (and the pooling one its routing) when those read
    # only the student's cache
    "conv_forward not implemented (the stub)": ("layers.conv_forward", """
        def conv_forward(x, w, b, stride=1, pad=0):
            raise NotImplementedError
    """, ("cnn.cnn_forward",)),
    "max_pool_forward not implemented (the stub)": ("layers.max_pool_forward", """
        def max_pool_forward(x, pool_size=2, stride=2):
            raise NotImplementedError
    """, ("cnn.cnn_forward",)),
}

# the field's common mutants (a constant bias factor, a sign): one score under every id
NARROWING.update({
    "conv_backward doubles db": ("layers.conv_backward", reference_def(UNIT, "layers", "conv_backward", {
        "dout.sum(axis=(0, 2, 3))": "2 * dout.sum(axis=(0, 2, 3))"})),
    "conv_backward flips the sign of dw": ("layers.conv_backward", reference_def(UNIT, "layers", "conv_backward", {
        "dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw": "dxp[:, :, pad:pad + H, pad:pad + W].copy(), -dw"})),
})


def test_softmax_key_agrees_with_scipys_log_softmax():
    """The key's shifted log-softmax against scipy's, on moderate scores and on magnitudes where an
    unshifted exponential overflows."""
    from scipy.special import log_softmax

    from autograder.keys.unit05_cnn import softmax_key

    rng = np.random.default_rng(0)
    for scale in (3.0, 1e4, 1e300):
        scores, y = rng.standard_normal((6, 5)) * scale, rng.integers(0, 5, 6)
        loss, dscores = softmax_key(scores, y)
        log_p, onehot = log_softmax(scores, axis=1), np.eye(5)[y]
        np.testing.assert_allclose(loss, -np.sum(onehot * log_p) / 6, rtol=1e-13)
        np.testing.assert_allclose(dscores, (np.exp(log_p) - onehot) / 6, rtol=1e-12, atol=1e-300)

