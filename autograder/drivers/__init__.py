"""Trusted helper code that runs *inside* the worker, next to a student's torch objects.

A suite lists the drivers it needs (``Suite(drivers=drivers.load("torch_tools"))``); their source
travels with the submission and checks call them as ``ctx.student.driver("torch_tools", "fn")``.
The worker injects ``student("module.function")`` into
each driver's namespace to reach the submission's functions. They run in the student's process, so what they return is only data: checks compare it with
values the grader computed itself and never trust it further.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def load(*names: str) -> dict[str, str]:
    return {name: (HERE / f"{name}.py").read_text(encoding="utf-8") for name in names}
