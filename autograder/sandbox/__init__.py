"""Running untrusted code: the worker (``worker.py``, ``watch.py``), its wire protocol (``wire.py``),
the worker process seen from the grader (``worker_process.py``), the session checks call through
(``session.py``), how workers start (``launchers.py``, ``plain.py``, ``bwrap.py``), a warm pool
(``pool.py``) and the zygotes it forks workers from (``zygote.py``, ``forker.py``)."""
