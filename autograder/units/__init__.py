"""One suite of scored checks per unit (``autograder/units/<unit>.py`` defines ``suite``).

:data:`TORCH` names the units whose exercises run on torch. It is known without importing a suite,
so the self-check starts its worker (which imports torch first) while the grader imports the suite.
"""
TORCH = ("unit05_cnn", "unit07_gan", "unit08_autoencoders", "unit10_transfer")


def preload(unit: str) -> str:
    """What a worker for ``unit`` imports before the student's code: ``"numpy"`` or ``"numpy,torch"``."""
    return "numpy,torch" if unit in TORCH else "numpy"
