"""The Gradescope bundle's environment from its own requirements, and every unit's reference
graded in it (tests/bundle_env.py): the pip install time, and each unit's grading time."""
from autograder.suite import unit_names

from ..bundle_env import grade_every_unit


def main():
    timings = grade_every_unit(unit_names())
    total = sum(t["seconds"] for t in timings["units"].values())
    print(f"install {timings['install']:.0f} s; grading {total:.0f} s for {len(timings['units'])} units")
    for unit, t in timings["units"].items():
        if t["lost"]:
            print(f"{unit} lost points in the bundle's environment:\n  " + "\n  ".join(t["lost"]))
