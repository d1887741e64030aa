"""Running untrusted code: the worker process, its wire protocol and the grader-side proxy."""
