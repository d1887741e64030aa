"""The per-submission HTML report: one self-contained page (plots inline as base64 PNG) from one
Jinja2 template, ``autograder/templates/report.html.j2``.

It shows the score by exercise, each check's message, what the student's code printed (visible
checks only, bounded by the runner) and the plots the checks attached (:meth:`Context.figure
<autograder.context.Context.figure>`; ``compare.close`` attaches the error per entry of a wrong
array). The runner already dropped the plots of hidden checks that show expected values; this
module draws what it is given. Everything the student wrote is escaped (Jinja2 autoescape); the
page has no script.

Plots are drawn here, when a page is rendered: a report (and a gradebook) carries each plot's
bounded data, and :func:`draw_report` turns it into PNGs, at most :data:`FIGURE_BYTES` a
submission. Every page goes through it, so ``grade --html``, ``export`` and ``show --html`` show
byte-identical images. A grading that shows its plots at once (Gradescope's) has them drawn
while its later checks run (:class:`.report_pages.Drawer`).

Written by ``autograder grade --html OUT``, by ``autograder export`` for every student (a class's
plots drawn in worker processes, each distinct one once: :mod:`.report_pages`), and offered to
Gradescope as each test's ``output_format: "html"`` (:func:`gradescope_html`).
"""
from __future__ import annotations

import base64
import functools
import io
from pathlib import Path

import numpy as np

from .report import CheckResult, Report, collapsed

TEMPLATE = "report.html.j2"
FIGURE_BYTES = 1 << 20  # plots kept per submission: their data in a gradebook, their PNG bytes on a page
LEFT_OUT = f"left out: at most {FIGURE_BYTES >> 10} KiB of plots are kept per submission"


@functools.cache
def _environment():
    """One Jinja2 environment for the process: it compiles the template once, not once a page."""
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(report: Report, student: str = "", title: str = "") -> str:
    """The whole page for one graded submission."""
    exercises: dict[str, dict] = {}
    for r in report.results:
        row = exercises.setdefault(r.exercise, {"name": r.exercise, "score": 0.0, "max_score": 0.0, "skipped": 0})
        row["score"] += r.score
        row["max_score"] += r.max_score
        row["skipped"] += r.skipped
    checks = [check_view(r) for r in draw_report(report).results]
    return _environment().get_template(TEMPLATE).render(
        report=report, student=student, title=title or f"{report.unit}: feedback", exercises=list(exercises.values()),
        checks=checks, fragment=False)


def write(report: Report, path: Path, student: str = "") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, student), encoding="utf-8")
    return path


def check_view(r: CheckResult) -> dict:
    status = "skipped" if r.skipped else r.status
    return {"number": r.number, "name": r.name, "exercise": r.exercise, "status": status,
            "score": r.score, "max_score": r.max_score, "output": r.output, "printed": collapsed(r.printed),
            "visibility": r.visibility, "images": images(r.figures)}


def images(figures: list[dict]) -> list[dict]:
    """The figures as ``{"title", "png" (base64, or None with "error")}``, each drawn (:func:`drawn`)."""
    out = []
    for figure in figures:
        drawn(figure)
        if figure["png"] or figure["error"]:
            out.append({"title": figure.get("title", ""), "png": figure["png"], "error": figure["error"]})
    return out


def drawn(figure: dict) -> dict:
    """``figure`` with ``png`` (base64, or None) and ``error`` ("" or why there is no PNG): drawn
    once, the result kept in the figure; a plot that cannot be drawn says so instead of raising."""
    if "png" not in figure:
        try:
            figure["png"], figure["error"] = draw(figure), ""
        except Exception as exc:  # a plot that cannot be drawn must not cost the report
            figure["png"], figure["error"] = None, f"{type(exc).__name__}: {exc}"
    return figure


def draw_report(report: Report) -> Report:
    """Draw every plot of ``report`` (in check order) and leave out, with :data:`LEFT_OUT`, those
    past :data:`FIGURE_BYTES` of PNG for the submission: what every page shows."""
    room = FIGURE_BYTES
    for r in report.results:
        for figure in r.figures:
            png = drawn(figure)["png"]
            size = len(base64.b64decode(png)) if png else 0
            if size > room:
                figure["png"], figure["error"] = None, LEFT_OUT
            else:
                room -= size
    return report


# ---------------------------------------------------------------- plots
def draw(figure: dict) -> str | None:
    """A figure's data as a base64 PNG (None for a kind this module does not draw).

    The Agg canvas is used directly (no pyplot, no backend chosen for the process) and prints the
    PNG itself: ``Figure.savefig`` after ``tight_layout`` would lay the figure out once more for a
    byte-identical file (0.087 -> 0.073 s CPU a plot).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    painter = PAINTERS.get(figure["kind"])
    if painter is None:
        return None
    fig = Figure(figsize=(5.2, 3.4), dpi=80)
    canvas = FigureCanvasAgg(fig)
    painter(fig, {k: (np.asarray(v, dtype=np.float64) if isinstance(v, list) else v)
                  for k, v in figure["arrays"].items()}, figure.get("title", ""))
    fig.tight_layout()
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _as_2d(a: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(-1, a.shape[-1])


def _error(fig, arrays, title):
    """The error per entry of a wrong array, as a heat map."""
    diff = _as_2d(np.abs(arrays["actual"] - arrays["expected"]))
    ax = fig.add_subplot()
    image = ax.imshow(diff, cmap="magma", aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, label="|yours - correct|")
    ax.set_title(f"error per entry: {title}"[:90], fontsize=9)
    ax.set_xlabel("index" if diff.shape[0] == 1 else "last axis")
    if diff.shape[0] == 1:
        ax.set_yticks([])
    else:
        ax.set_ylabel("other axes (flattened)")


def _curve(fig, arrays, title):
    """A student's curve (ROC, PR) against the expected one."""
    ax = fig.add_subplot()
    ax.plot(arrays["x"], arrays["y"], label="yours", lw=2)
    if "x_expected" in arrays:
        ax.plot(arrays["x_expected"], arrays["y_expected"], "--", label="expected", lw=1.5)
    ax.set_xlabel(arrays.get("xlabel", "x") if isinstance(arrays.get("xlabel"), str) else "x")
    ax.set_ylabel(arrays.get("ylabel", "y") if isinstance(arrays.get("ylabel"), str) else "y")
    ax.legend(fontsize=8)
    ax.set_title(title[:90], fontsize=9)


def _training(fig, arrays, title):
    """Curves over training (loss, accuracy, each attempt's) against the bar (checks.training.curves_figure)."""
    ax = fig.add_subplot()
    for key, values in arrays.items():
        if isinstance(values, np.ndarray) and values.ndim == 1:
            ax.plot(np.arange(1, len(values) + 1), values, label=key.replace("_", " "),
                    marker="." if len(values) < 40 else None)
    if arrays.get("bar") is not None:
        ax.axhline(float(arrays["bar"]), color="red", ls="--", label="the bar")
    if arrays.get("log") == "log":
        ax.set_yscale("log")
    ax.set_xlabel(arrays.get("xlabel") or "step")
    ax.set_ylabel(arrays.get("ylabel") or "")
    ax.legend(fontsize=8)
    ax.set_title(title[:90], fontsize=9)


def _boundary(fig, arrays, title):
    """A 2-D classifier's decision regions with the data."""
    ax = fig.add_subplot()
    ax.contourf(arrays["grid_x"], arrays["grid_y"], arrays["pred"], alpha=0.3, cmap="coolwarm")
    X, y = arrays["X"], arrays["y"]
    ax.scatter(X[:, 0], X[:, 1], c=y, s=12, cmap="coolwarm", edgecolors="k", linewidths=0.3)
    ax.set_title(title[:90], fontsize=9)


def _samples(fig, arrays, title):
    """Generated samples (GAN, VAE): 2-D points against the data's modes, or a grid of images."""
    if "points" in arrays:
        ax = fig.add_subplot()
        points = arrays["points"]
        ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.5, label="samples")
        if "centers" in arrays:
            ax.scatter(arrays["centers"][:, 0], arrays["centers"][:, 1], marker="x", s=60, c="red", label="modes")
        ax.set_aspect("equal", adjustable="datalim")
        ax.legend(fontsize=8)
        ax.set_title(title[:90], fontsize=9)
        return
    images = arrays["images"]
    if images.ndim == 4:  # (n, c, h, w) -> (n, h, w) first channel, or RGB
        images = images.transpose(0, 2, 3, 1) if images.shape[1] == 3 else images[:, 0]
    n = min(len(images), 16)
    cols = min(n, 8)
    rows = (n + cols - 1) // cols
    low, high = float(np.min(images[:n])), float(np.max(images[:n]))  # one gray scale for the whole grid
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(images[i], cmap="gray", vmin=low, vmax=high)
        ax.axis("off")
    fig.suptitle(title[:90], fontsize=9)


PAINTERS = {"error": _error, "curve": _curve, "training": _training, "boundary": _boundary, "samples": _samples}


def gradescope_html(data: dict, report: Report) -> dict:
    """Gradescope's results: each test whose check has plots or printed output becomes an HTML
    fragment (``output_format: "html"``) of its text (as it stands in ``data``) and its plots; the
    others stay text."""
    by_name = {f"{r.exercise}: {r.name}": r for r in draw_report(report).results if not r.skipped}
    for test in data.get("tests", []):
        r = by_name.get(test.get("name"))
        if r is None or not (r.figures or r.printed):
            continue
        view = check_view(r)
        view.update(output=test.get("output", ""), printed="")  # the text already ends with the printed output
        test["output"] = _environment().get_template(TEMPLATE).render(checks=[view], fragment=True)
        test["output_format"] = "html"
    return data

