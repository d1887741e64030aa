"""torch's meta device without the import of torch._dynamo that its first use costs (about 1.2 s).

A tensor on the meta device has shapes and dtypes but no data; unit 5 builds networks there to
count parameters and trace output shapes without allocating weights. torch runs many meta-device
ops through its Python references (``torch._refs``), each wrapped by ``torch._disable_dynamo``
(torch/_compile.py): on its first call, the wrapper imports ``torch._dynamo`` and caches
``torch._dynamo.disable(fn)`` on ``fn`` as ``fn.__dynamo_disable``. That function calls ``fn`` with
TorchDynamo's frame evaluation turned off, which is a no-op unless ``torch.compile`` is tracing;
the grader never compiles, so :func:`skip_dynamo_import` caches ``fn`` itself instead, and no
meta-device operation imports TorchDynamo. Results are unchanged (a test compares every unit-5
network's meta summary with and without).

Used by the worker (preload ``meta``: copied into its sandbox with ``worker.py``) and the grader.
"""
import functools
import gc
import types


@functools.cache
def skip_dynamo_import() -> int:
    """Give every existing ``torch._disable_dynamo`` wrapper ``fn`` itself as its disabled form.

    Returns how many wrappers were set (0 where TorchDynamo is already imported, or where the
    wrapper is not laid out as in torch 2.13: then the first call imports it, as torch does). Once
    per process: later calls return the first one's count.
    """
    import sys

    import torch

    if "torch._dynamo" in sys.modules:
        return 0
    code = torch._compile._disable_dynamo(lambda: None).__code__
    if code.co_freevars[:1] != ("fn",):
        return 0
    count = 0
    for obj in gc.get_objects():
        if type(obj) is types.FunctionType and obj.__code__ is code:
            fn = obj.__closure__[0].cell_contents
            if getattr(fn, "__dynamo_disable", None) is None:
                fn.__dynamo_disable = fn
                count += 1
    return count
