"""One suite of scored checks per unit (``autograder/units/<unit>.py`` defines ``suite``).

:data:`TORCH` names the units whose exercises run on torch. It is known without importing a suite,
so the self-check starts its worker (which imports torch first) while the grader imports the suite.
"""
TORCH = ("unit05_cnn", "unit07_gan", "unit08_autoencoders", "unit10_transfer")
META = ("unit05_cnn",)  # torch units whose checks build networks on the meta device
OPTIM = ("unit07_gan", "unit08_autoencoders", "unit10_transfer")  # torch units whose gradings step torch.optim
GRADER_TORCH = (*TORCH, "unit03_training")  # units whose grading needs torch (unit 3's keys compare with torch.optim)


def preload(unit: str) -> str:
    """What a worker for ``unit`` imports before the student's code: ``"numpy"``, ``"numpy,torch"``,
    ``"numpy,torch,meta"`` (torch's meta-device kernels too: 0.3 s that would otherwise be paid at their
    first use, in the middle of a check) or ``"numpy,torch,dynamo"`` (torch.optim's first step imports
    TorchDynamo, 1.1 s: paid once by a zygote instead of by each worker it forks; a pool that serves
    one grading leaves it out, since a self-check's public checks step no optimizer)."""
    if unit in META:
        return "numpy,torch,meta"
    return "numpy,torch,dynamo" if unit in OPTIM else "numpy,torch" if unit in TORCH else "numpy"
