"""The wire format between grader and worker: framed JSON headers plus arrays as ``.npy`` bytes.

A frame is ``len(header) (8 bytes, big-endian) | header JSON | for each blob: len (8) | npy bytes``.
Values are encoded as JSON with tagged objects for what JSON lacks: ``{"$nd": i}`` (the i-th
array blob), ``{"$tensor": i, "grad": bool}``, ``{"$tuple": [...]}``, ``{"$dict": {...}}`` and
``{"$handle": id, "type": name}`` for objects that never leave the worker. Arrays are always loaded
with ``allow_pickle=False``. This file is shared verbatim by both sides and imports nothing of the
project, so the worker can run with a private copy of it.
"""
from __future__ import annotations

import io
import json
import math
import os
import select
import struct
import time

import numpy as np

MAX_HEADER = 16 << 20
MAX_BLOB = 512 << 20
MAX_MESSAGE = 768 << 20
MAX_BLOBS = 1 << 16
NUMERIC_KINDS = "biufc"
_LEN = struct.Struct(">Q")


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame (or nothing, in time)."""


class Tensor:
    """A torch tensor on the wire, seen from the grader as a numpy array (never a torch object)."""

    __slots__ = ("array", "requires_grad")

    def __init__(self, array, requires_grad=False):
        self.array = np.asarray(array)
        self.requires_grad = bool(requires_grad)

    def __repr__(self):
        return f"Tensor(shape={self.array.shape}, dtype={self.array.dtype})"


class Handle:
    """An opaque reference to an object that stays in the worker."""

    __slots__ = ("id", "type")

    def __init__(self, id, type="object"):
        self.id = int(id)
        self.type = str(type)

    def __repr__(self):
        return f"<{self.type} in the worker #{self.id}>"


# ---------------------------------------------------------------- encoding
def encode(value, blobs: list, keep=None):
    """Turn ``value`` into JSON-able data, appending arrays to ``blobs``.

    ``keep(obj) -> id`` stores a non-plain object and returns its handle id; without it, a
    non-plain value is an error (the grader only ever sends plain data).
    """
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if t is np.ndarray and value.dtype.kind in NUMERIC_KINDS:
        blobs.append(value)
        return {"$nd": len(blobs) - 1}
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        return encode(value.item(), blobs, keep)
    if t is Tensor:
        blobs.append(value.array)
        return {"$tensor": len(blobs) - 1, "grad": value.requires_grad}
    if t is Handle:
        return {"$handle": value.id, "type": value.type}
    if t in (list, tuple):
        items = [encode(v, blobs, keep) for v in value]
        return items if t is list else {"$tuple": items}
    if t is dict and all(type(k) is str for k in value):
        return {"$dict": {k: encode(v, blobs, keep) for k, v in value.items()}}
    if _is_torch_tensor(value) and keep is not None:
        return _encode_torch(value, blobs)
    if keep is None:
        raise TypeError(f"cannot send a {t.__name__} over the wire")
    return {"$handle": keep(value), "type": t.__name__}


def _is_torch_tensor(value):
    mod = type(value).__module__
    return mod.startswith("torch") and type(value).__name__ in ("Tensor", "Parameter")


def _encode_torch(value, blobs):
    array = value.detach().cpu().numpy().copy()
    blobs.append(array)
    return {"$tensor": len(blobs) - 1, "grad": bool(value.requires_grad)}


def decode(data, blobs: list, lookup=None, make_tensor=None, depth=0):
    """Inverse of :func:`encode`. ``lookup`` resolves handle ids (worker side)."""
    if depth > 64:
        raise ProtocolError("value nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, blobs, lookup, make_tensor, depth + 1) for v in data]
    if type(data) is not dict or len(data) == 0:
        raise ProtocolError(f"unexpected value {type(data).__name__}")
    if "$nd" in data:
        return _blob(blobs, data["$nd"])
    if "$float" in data:
        text = data["$float"]
        if text not in ("nan", "inf", "-inf"):
            raise ProtocolError("bad float")
        return float(text)
    if "$tensor" in data:
        array = _blob(blobs, data["$tensor"])
        grad = bool(data.get("grad", False))
        return make_tensor(array, grad) if make_tensor else Tensor(array, grad)
    if "$tuple" in data:
        items = data["$tuple"]
        if type(items) is not list:
            raise ProtocolError("bad tuple")
        return tuple(decode(v, blobs, lookup, make_tensor, depth + 1) for v in items)
    if "$dict" in data:
        items = data["$dict"]
        if type(items) is not dict:
            raise ProtocolError("bad dict")
        return {str(k): decode(v, blobs, lookup, make_tensor, depth + 1) for k, v in items.items()}
    if "$handle" in data:
        hid = data["$handle"]
        if type(hid) is not int:
            raise ProtocolError("bad handle")
        return lookup(hid) if lookup else Handle(hid, str(data.get("type", "object"))[:80])
    raise ProtocolError(f"unknown tag {sorted(data)[:3]}")


def _blob(blobs, index):
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("bad array reference")
    return blobs[index]


# ---------------------------------------------------------------- framing
def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array if array.flags.c_contiguous else array.copy(order="C"), allow_pickle=False)
    return buf.getvalue()


def _load_npy(raw: bytes) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:
        raise ProtocolError(f"bad array: {exc}") from None
    if type(array) is not np.ndarray or array.dtype.kind not in NUMERIC_KINDS:
        raise ProtocolError(f"array of dtype {getattr(array, 'dtype', '?')} is not numeric")
    return array


def pack(header: dict, blobs: list) -> bytes:
    """One frame: the header (with ``nblobs``) and its arrays."""
    raws = [_npy_bytes(b) for b in blobs]
    head = json.dumps({**header, "nblobs": len(raws)}, allow_nan=False).encode()
    parts = [_LEN.pack(len(head)), head]
    for raw in raws:
        parts += [_LEN.pack(len(raw)), raw]
    return b"".join(parts)


def send(fd: int, header: dict, value=None, keep=None) -> None:
    """Encode ``value`` into ``header['value']`` and write the whole frame to ``fd``."""
    blobs: list = []
    header = {**header, "value": encode(value, blobs, keep)}
    data = memoryview(pack(header, blobs))
    while data:
        data = data[os.write(fd, data):]


class Alarm(Exception):
    """A reader's alarm descriptor turned readable before the frame was read."""


class Reader:
    """Reads frames from a file descriptor, with an optional wall-clock deadline per frame and an
    optional ``alarm`` descriptor that, once readable, ends a read with :class:`Alarm`."""

    def __init__(self, fd: int, alarm: int | None = None):
        self.fd, self.alarm = fd, alarm

    def _wait(self, deadline: float | None):
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise TimeoutError
        ready = select.select([self.fd] if self.alarm is None else [self.fd, self.alarm], [], [], left)[0]
        if self.alarm is not None and self.alarm in ready:
            raise Alarm
        if not ready:
            raise TimeoutError

    def _exact(self, n: int, deadline: float | None) -> bytes:
        chunks, got = [], 0
        while got < n:
            if deadline is not None or self.alarm is not None:
                self._wait(deadline)
            chunk = os.read(self.fd, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _length(self, limit: int, deadline) -> int:
        (n,) = _LEN.unpack(self._exact(8, deadline))
        if n > limit:
            raise ProtocolError(f"frame part of {n} bytes exceeds the limit")
        return n

    def read(self, deadline: float | None = None) -> tuple[dict, list]:
        """Return ``(header, arrays)``; raises TimeoutError, EOFError or ProtocolError."""
        raw = self._exact(self._length(MAX_HEADER, deadline), deadline)
        try:
            header = json.loads(raw)
        except (ValueError, RecursionError):
            raise ProtocolError("header is not JSON") from None
        if type(header) is not dict:
            raise ProtocolError("header is not an object")
        nblobs = header.get("nblobs", 0)
        if type(nblobs) is not int or not 0 <= nblobs <= MAX_BLOBS:
            raise ProtocolError("bad blob count")
        blobs, total = [], 0
        for _ in range(nblobs):
            n = self._length(MAX_BLOB, deadline)
            total += n
            if total > MAX_MESSAGE:
                raise ProtocolError(f"message larger than {MAX_MESSAGE >> 20} MiB")
            blobs.append(_load_npy(self._exact(n, deadline)))
        return header, blobs
