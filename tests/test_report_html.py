"""The per-submission HTML report (autograder/report_html.py), opened in a real browser.

Correct, partial, stub and hostile submissions of units 1 and 2 are graded (a few checks each),
their reports written, and each page opened in Debian's headless chromium (driven by Selenium
through /usr/bin/chromedriver): no console errors, every image renders (naturalWidth > 0), no
script on the page (the hostile student's ``<script>`` is text), and a screenshot is saved under
pytest's tmp dir (its path is printed). Skipped only where chromium is not installed
(``scripts/setup.sh`` installs it as root).
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from autograder import gradebook as gb, report_html

from .support import ROOT, grade, make_submission
from .units.test_unit09_evaluation import MUTANTS as MUTANTS_09

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
HOSTILE = '<script>alert("owned")</script><img src=x onerror=alert(1)><b>bold</b> & </pre>'

def with_print(source: str) -> str:
    """``source`` (one def) printing the hostile text first."""
    head, body = textwrap.dedent(source).strip().split("\n", 1)
    return f"{head}\n    print({HOSTILE!r})\n{body}\n"


# unit -> (checks graded, the function a partial submission gets wrong and its wrong source, hostile function)
UNITS = {
    "unit01_foundations": (["sigmoid_values", "sigmoid_derivative_key", "tanh_values"],
                           ("activations.sigmoid_derivative", """
                               def sigmoid_derivative(z):
                                   s = sigmoid(sigmoid(z))
                                   return s * (1.0 - s)
                           """),
                           ("activations.sigmoid", f"""
                               def sigmoid(z):
                                   print({HOSTILE!r})
                                   return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))),
                                                   np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))
                           """)),
    "unit02_regression": (["mse_gradient_key", "softmax_regression_loss_key"],
                          ("linear.mse_gradient", """
                              def mse_gradient(y_pred, y):
                                  y_pred, y = np.asarray(y_pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
                                  if y_pred.ndim != 1 or y_pred.shape != y.shape:
                                      raise ValueError("shapes")
                                  print("y_pred has", len(y_pred), "entries")
                                  return 2.0 * (y_pred - y)
                          """),
                          ("linear.mse_gradient", f"""
                              def mse_gradient(y_pred, y):
                                  print({HOSTILE!r})
                                  y_pred, y = np.asarray(y_pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
                                  if y_pred.ndim != 1 or y_pred.shape != y.shape:
                                      raise ValueError("shapes")
                                  return -2.0 * (y_pred - y) / y.shape[0]
                          """)),
    "unit09_evaluation": (["roc_curve_points"], ("curves.roc_curve", MUTANTS_09["ROC curve without the (0, 0) point"][1]),
                          ("curves.roc_curve", with_print(MUTANTS_09["ROC curve without grouping ties"][1]))),
}


def submission(tmp: Path, unit: str, kind: str) -> Path:
    _, partial, hostile = UNITS[unit]
    if kind == "stub":
        path = tmp / kind / unit
        shutil.copytree(ROOT / "assignments" / unit, path, ignore=shutil.ignore_patterns("__pycache__", "test_*"))
        return path
    changes = {"correct": {}, "partial": dict([partial]), "hostile": dict([hostile])}[kind]
    (tmp / kind).mkdir(exist_ok=True)
    return make_submission(tmp / kind, unit, changes)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(unit, kind) -> the report page of that submission."""
    tmp = tmp_path_factory.mktemp("reports")
    out = {}
    for unit, (only, _, _) in UNITS.items():
        for kind in ("correct", "partial", "stub", "hostile"):
            report = grade(submission(tmp, unit, kind), unit, only=only)
            out[unit, kind] = report_html.write(report, tmp / f"{unit}-{kind}.html", student=f"student <{kind}>")
    return out


def test_pages_are_escaped_and_plot_what_failed(pages):
    for (unit, kind), path in pages.items():
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), f"{path}: a script on the page"
        assert "student &lt;" in text
        if kind == "hostile":
            assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in text, "the student's print is not shown escaped"
            assert "onerror=" not in text.replace("onerror=alert(1)&gt;", ""), "an attribute escaped the text"
        if kind == "partial":
            assert "data:image/png;base64," in text, f"{path}: the failing comparison has no plot"
            assert "Hint: this looks like" in text or unit == "unit09_evaluation"
        if kind == "correct":
            assert "data:image/png" not in text and "Hint:" not in text
    assert "y_pred has 6 entries" in pages["unit02_regression", "partial"].read_text(encoding="utf-8")


def test_hidden_checks_show_no_expected_values_or_plots(tmp_path):
    unit = "unit02_regression"
    import dataclasses

    from autograder import runner
    from autograder.suite import load_suite

    suite = load_suite(unit)
    check = next(c for c in suite.checks if c.name == "mse_gradient_key")
    hidden = dataclasses.replace(check, visibility="hidden")
    path = make_submission(tmp_path, unit, dict([UNITS[unit][1]]))
    session = runner.open_session(path, suite)
    try:
        result = runner.run_check(hidden, "1", session, None, 1234)
    finally:
        session.close()
    assert result.status == "failed"
    assert not result.figures and not result.printed
    assert ", expected" not in result.output and "Hint:" not in result.output
    page = report_html.render(_report(unit, [result]))
    assert "data:image/png" not in page and "y_pred has" not in page


def _report(unit, results):
    from autograder.report import Report

    report = Report(unit, "test", "subprocess")
    report.results = results
    return report


def test_gradescope_offers_html_for_tests_with_plots(pages, tmp_path):
    unit = "unit02_regression"
    report = grade(make_submission(tmp_path, unit, dict([UNITS[unit][1]])), unit, only=["mse_gradient_key"])
    data = report_html.gradescope_html(report.gradescope(), report)
    test = data["tests"][0]
    assert test["output_format"] == "html" and "data:image/png;base64," in test["output"]
    assert "y_pred has 6 entries" in test["output"]
    json.dumps(data)  # still a results.json


def figures_of(report) -> list[dict]:
    return [f for r in report.results for f in r.figures]


@pytest.mark.parametrize("worker", ["alive", "dead"])
def test_plots_drawn_while_grading_are_those_drawn_afterwards(tmp_path, worker):
    """Gradescope's run draws plots in another process as checks attach them (a Drawer); each is
    the PNG a page drawn afterwards shows, a plot that cannot be drawn says why, and plots a dead
    process left are drawn here."""
    import copy

    from autograder import report_pages

    unit = "unit09_evaluation"
    report = grade(make_submission(tmp_path, unit, dict([UNITS[unit][1]])), unit, only=["roc_curve_points"])
    afterwards = copy.deepcopy(report)
    broken = {"kind": "curve", "arrays": {"x": [0.0, 1.0]}, "title": "no y", "reveals": False}
    report.results[0].figures.append(broken)
    drawer = report_pages.Drawer()
    drawer.add(SimpleNamespace(figures=[]))  # its process starts
    if worker == "dead":
        drawer.proc.kill()
        drawer.proc.wait()
    for result in report.results:
        drawer.add(result)
    deadline = time.monotonic() + 30
    while worker == "alive" and len(drawer.answers) < len(drawer.sent) and time.monotonic() < deadline:
        time.sleep(0.05)  # drawn there while "checks run"
    answered = len(drawer.answers)
    drawer.finish()
    assert answered == (0 if worker == "dead" else len(figures_of(report)))
    figures = figures_of(report)
    assert len(figures) >= 2 and all("png" in f for f in figures)
    assert [f["png"] for f in figures[:-1]] == [report_html.drawn(f)["png"] for r in afterwards.results
                                                for f in r.figures]
    assert broken["png"] is None and "KeyError" in broken["error"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("chromium is not installed (scripts/setup.sh installs chromium and chromium-driver as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1100,1400"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def open_in_browser(browser, path: Path, shot: Path) -> tuple[list, str]:
    """Load ``path``: no console errors, every image rendered, no script; a screenshot saved to
    ``shot``. Returns the images ``[complete, naturalWidth, alt]`` and the printed output's text."""
    browser.get(path.as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert not errors, f"{path}: console errors {errors}"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt]);")
    broken = [alt for complete, width, alt in images if not complete or width <= 0]
    assert not broken, f"{path}: images that did not render: {broken}"
    assert browser.execute_script("return document.scripts.length;") == 0
    printed = browser.execute_script(
        "return Array.from(document.querySelectorAll('pre.printed')).map(p => p.textContent).join('');")
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 0
    print(f"screenshot: {shot}")
    return images, printed


def test_pages_render_in_chromium(pages, browser, tmp_path_factory):
    shots = tmp_path_factory.mktemp("screenshots")
    for (unit, kind), path in pages.items():
        images, printed = open_in_browser(browser, path, shots / f"{unit}-{kind}.png")
        if kind == "partial":
            assert images, f"{path}: no plot on the page of a failing submission"
        if kind == "hostile":
            assert '<script>alert("owned")</script>' in printed, "the student's print is not shown as text"


def test_gradebook_pages_render_in_chromium(routes, browser, tmp_path_factory):
    shots = tmp_path_factory.mktemp("screenshots-gradebook")
    for route in ("export", "show"):
        images, printed = open_in_browser(browser, routes[route], shots / f"{route}.png")
        assert len(images) == len(page_images(routes["grade"])) > 0
        assert "y_pred has 6 entries" in printed


# ---------------------------------------------------------------- what the student printed
def test_printed_output_is_captured_per_check_bounded_and_shown(tmp_path, capsys):
    from autograder.report import feedback

    unit = "unit01_foundations"
    path = make_submission(tmp_path, unit, {"activations.sigmoid": """
        def sigmoid(z):
            print("sigmoid of", z.shape)
            print("x" * 5000)
            return 0.5 * (1 + np.tanh(z / 2))
    """, "activations.tanh": """
        def tanh(z):
            print("tanh called")
            return np.tanh(z)
    """})
    report = grade(path, unit, only=["sigmoid_values", "tanh_values", "relu_values"])
    printed = {r.name: r.printed for r in report.results}
    assert printed["sigmoid_values"].startswith("sigmoid of (")
    assert len(printed["sigmoid_values"]) <= 2048 + 40 and "[... more output left out]" in printed["sigmoid_values"]
    assert printed["tanh_values"].startswith("tanh called") and "sigmoid" not in printed["tanh_values"]
    assert printed["relu_values"] == ""  # printed per check, not carried over
    tanh = report.by_name()["tanh_values"]
    assert "Your code printed:\n    tanh called" in feedback(tanh)
    assert any("tanh called" in t["output"] for t in report.gradescope()["tests"])
    report.table()
    assert "tanh called" in capsys.readouterr().out


def test_output_of_crashing_calls_and_of_imports_is_shown_with_its_check(tmp_path):
    from autograder.sandbox.worker_process import Limits

    unit = "unit01_foundations"
    path = make_submission(tmp_path, unit, {"activations.sigmoid": """
        def sigmoid(z):
            print("about to raise")
            raise ValueError("no")
    """, "tensors.rank": """
        def rank(A, tol=None):
            print("rank wrote " + "y" * 4000)
            import os; os._exit(4)
    """, "network.dense_forward": """
        def dense_forward(X, W, b):
            print("about to hang")
            while True:
                pass
    """})
    for module in ("activations", "tensors"):
        file = path / f"{module}.py"
        file.write_text(file.read_text() + f"\nprint('imported {module}')\n")
    only = ["sigmoid_values", "tanh_values", "inverse_properties", "rank_values", "dense_forward_values"]
    report = grade(path, unit, only=only, limits=Limits(call_timeout=2.0))
    printed = {r.name: r.printed for r in report.results}
    assert printed["sigmoid_values"].startswith("[printed while importing activations.py]\nimported activations\n"
                                                "[printed during this check]\nabout to raise\n"), printed
    assert printed["tanh_values"] == ""  # import output once, with the module's first visible check
    assert printed["inverse_properties"] == "[printed while importing tensors.py]\nimported tensors\n"
    rank = printed["rank_values"]  # os._exit: taken from the worker's stderr; re-imports not shown again
    assert rank.startswith("rank wrote yyy") and "imported" not in rank and len(rank) <= 2048 + 40, rank
    assert printed["dense_forward_values"].startswith("about to hang\n")  # killed at its time limit
    assert {report.by_name()[n].status for n in ("sigmoid_values", "rank_values", "dense_forward_values")} == {"failed"}


def test_hidden_checks_keep_what_was_printed_to_themselves(tmp_path):
    import dataclasses

    from autograder import runner
    from autograder.suite import load_suite

    unit = "unit01_foundations"
    suite = load_suite(unit)
    check = dataclasses.replace(next(c for c in suite.checks if c.name == "tanh_values"), visibility="hidden")
    path = make_submission(tmp_path, unit, {"activations.tanh": """
        def tanh(z):
            print("secret input", z)
            return np.tanh(z)
    """})
    session = runner.open_session(path, suite)
    try:
        result = runner.run_check(check, "1", session, None, 99)
    finally:
        session.close()
    assert result.status == "passed" and result.printed == ""


# ---------------------------------------------------------------- export
def test_export_writes_one_page_per_student(tmp_path):
    from autograder import gradebook as gb
    from autograder.cli import main
    from autograder.report import CheckResult, Report
    from autograder.suite import load_suite

    unit = "unit01_foundations"
    checks = load_suite(unit).checks
    path = tmp_path / "g.sqlite"
    with gb.Gradebook(path) as book:
        run = book.start_run(unit, 1, "bubblewrap", "test")
        results = [CheckResult(c.name, str(i + 1), c.exercise, 0.0, c.points, "wrong <b>", c.visibility, [])
                   for i, c in enumerate(checks)]
        book.record("josé", unit, "hash", "2026-03-01T12:00:00+0000", run, gb.GRADED,
                    Report(unit, "josé", "bubblewrap", results, 1.0, 1, 1))
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "html"]) == 0
    pages = list((out / unit / "html").glob("*.html"))
    assert len(pages) == 1
    text = pages[0].read_text(encoding="utf-8")
    assert "josé" in text and "wrong &lt;b&gt;" in text and "<script" not in text


# ---------------------------------------------------------------- pages written from the gradebook
ROUTES_UNIT, STUDENT = "unit02_regression", "stu"


def page_images(path: Path) -> list[bytes]:
    """The decoded PNG images of a page, in order."""
    found = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', path.read_text(encoding="utf-8"))
    return [base64.b64decode(b64) for b64 in found]


def page_printed(path: Path) -> list[str]:
    return re.findall(r'<pre class="printed">(.*?)</pre>', path.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> dict[str, Path]:
    """One partial submission's page by every route: ``grade --html``; ``batch`` then ``export
    --format html``; ``show --html`` (same student id and salt, so the same inputs and plots)."""
    tmp = tmp_path_factory.mktemp("routes")
    subs = tmp / "subs"
    subs.mkdir()
    shutil.move(make_submission(tmp, ROUTES_UNIT, dict([UNITS[ROUTES_UNIT][1]])), subs / STUDENT)
    env = {**os.environ, "DEEPGRADE_SALT": "routes-salt", "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "autograder.cli"]
    book, out = tmp / "g.sqlite", tmp / "out"
    for argv in (["grade", str(subs / STUDENT), "--unit", ROUTES_UNIT, "--submission-id", STUDENT, "--no-sandbox",
                  "--html", str(tmp / "grade.html")],
                 ["batch", str(subs), "--unit", ROUTES_UNIT, "--workers", "1", "--gradebook", str(book),
                  "--no-progress", "--no-sandbox"],
                 ["export", str(book), str(out), "--format", "html"],
                 ["show", str(book), STUDENT, "--unit", ROUTES_UNIT, "--html", str(tmp / "show.html")]):
        done = subprocess.run(cli + argv, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert done.returncode in (0, 1), f"{argv[0]}: {done.stderr[-2000:]}"  # grade exits 1: points lost
    return {"grade": tmp / "grade.html", "export": out / ROUTES_UNIT / "html" / f"{STUDENT}.html",
            "show": tmp / "show.html", "book": book}


def test_every_route_shows_the_same_plots_and_printed_output(routes):
    from autograder import gradebook as gb

    drawn = page_images(routes["grade"])
    assert drawn, "the partial submission's failing check has no plot"
    for route in ("export", "show"):
        assert page_images(routes[route]) == drawn, f"{route}: not the images grade --html shows"
        assert page_printed(routes[route]) == page_printed(routes["grade"]) != []
    with sqlite3.connect(routes["book"]) as db:  # the batch stored each plot's data and drew none
        assert db.execute("PRAGMA user_version").fetchone()[0] == gb.SCHEMA_VERSION
        assert db.execute("SELECT COUNT(data), COUNT(png) FROM figures").fetchone() == (len(drawn), 0)


def test_a_hidden_check_keeps_its_plots_and_printed_output_out_of_the_gradebook(tmp_path):
    import dataclasses

    from autograder import gradebook as gb, runner
    from autograder.suite import load_suite

    suite = load_suite(ROUTES_UNIT)
    path = make_submission(tmp_path, ROUTES_UNIT, dict([UNITS[ROUTES_UNIT][1]]))
    check = next(c for c in suite.checks if c.name == "mse_gradient_key")
    session = runner.open_session(path, suite)
    try:
        visible = runner.run_check(check, "1", session, None, 7)
        hidden = runner.run_check(dataclasses.replace(check, name="hidden_key", visibility="hidden"), "2", session,
                                  None, 7)
    finally:
        session.close()
    assert visible.figures and visible.printed and not hidden.figures and not hidden.printed
    leaked = dataclasses.replace(visible, name="leaked", number="3", visibility="after_due_date",
                                 figures=[dict(f) for f in visible.figures])  # as if the runner had kept them
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        book.record(STUDENT, ROUTES_UNIT, "h", "", None, gb.GRADED,
                    _report(ROUTES_UNIT, [visible, hidden, leaked]))
        (sub,) = book.current(ROUTES_UNIT)
        stored = {r.name: r for r in book.results(sub.id)}
        page = report_html.render(book.report(sub))
    assert len(stored["mse_gradient_key"].figures) == len(visible.figures) and stored["mse_gradient_key"].printed
    assert stored["hidden_key"].figures == stored["leaked"].figures == [] and stored["leaked"].printed == ""
    assert page.count("data:image/png") == len(visible.figures)


def test_an_older_gradebook_is_migrated_without_losing_rows(tmp_path):
    from autograder import gradebook as gb

    path = tmp_path / "old.sqlite"
    old_schema = gb.SCHEMA.replace("    printed TEXT NOT NULL DEFAULT '',\n", "")
    old_schema = old_schema[:old_schema.index("CREATE TABLE IF NOT EXISTS figures")] + \
        old_schema[old_schema.index("CREATE INDEX"):]
    assert "printed" not in old_schema and "figures" not in old_schema
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
        db.execute("INSERT INTO students (id) VALUES ('ann')")
        db.execute("INSERT INTO submissions (student_id, unit, content_hash, submitted_at, graded_at, seq, status, "
                   "score, max_score, isolation, execution_time) VALUES ('ann', 'u', 'h', '', '', 1, 'graded', 1, 2, "
                   "'subprocess', 0.5)")
        db.execute("INSERT INTO results VALUES (1, 0, 'c', '1', 'm.f', 1, 2, 'failed', 0, 'wrong', 'visible', '[]', 0.1)")
    with gb.Gradebook(path) as book:
        (sub,) = book.current("u")
        (result,) = book.results(sub.id)
        assert (result.name, result.output, result.printed, result.figures) == ("c", "wrong", "", [])
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == gb.SCHEMA_VERSION
    with gb.Gradebook(path) as book:  # opening again changes nothing
        assert len(book.results(book.current("u")[0].id)) == 1


def test_a_schema_2_gradebook_keeps_its_drawn_plots_and_stores_data_from_then_on(routes, tmp_path):
    """Schema 2 stored PNGs drawn at grading (no ``data`` column); migrated in place, its pages show
    those PNGs, and a submission recorded afterwards keeps its plots as data."""
    from autograder import gradebook as gb

    drawn = page_images(routes["grade"])
    path = tmp_path / "v2.sqlite"
    shutil.copy(routes["book"], path)
    with sqlite3.connect(path) as db:  # the same rows as schema 2 wrote them
        db.execute("UPDATE figures SET png = ?, data = NULL", (drawn[0],))
        db.execute("ALTER TABLE figures DROP COLUMN data")
        db.execute("PRAGMA user_version = 2")
        rows = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    with gb.Gradebook(path) as book:
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == gb.SCHEMA_VERSION
        assert book.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == rows
        (sub,) = book.current(ROUTES_UNIT)
        page = report_html.write(book.report(sub), tmp_path / "v2.html")
        assert page_images(page) == [drawn[0]] * len(drawn)
        report = book.report(sub)
        report.results = [r for r in report.results if r.figures]
        for r in report.results:
            r.figures = [{"kind": "error", "title": "t", "reveals": True, "arrays": {"actual": [1.0], "expected": [0.0]}}]
        book.record("new", ROUTES_UNIT, "h", "", None, gb.GRADED, report)
        assert book.db.execute("SELECT COUNT(*) FROM figures WHERE data IS NOT NULL AND png IS NULL").fetchone()[0] \
            == len(report.results)


def _figures(n: int, values: int) -> list[dict]:
    from autograder.context import make_figure

    rng = np.random.default_rng(0)
    return [make_figure("error", f"plot {i}", True, actual=rng.standard_normal(values),
                        expected=rng.standard_normal(values)) for i in range(n)]


def test_plots_past_the_cap_are_left_out_with_a_note_in_the_gradebook_and_on_the_page(tmp_path, monkeypatch):
    from autograder import gradebook as gb
    from autograder.report import CheckResult

    def result(name, figures):
        return CheckResult(name, "1", "m.f", 0.0, 1.0, "wrong", "visible", [], figures=figures)

    data = len(json.dumps(_figures(1, 4096)[0]))  # the data of one plot of two 4096-value arrays
    monkeypatch.setattr(report_html, "FIGURE_BYTES", 2 * data + 100)
    with gb.Gradebook(tmp_path / "g.sqlite") as book:  # data past the cap: left out when recorded
        book.record("s", "u", "h", "", None, gb.GRADED,
                    _report("u", [result("a", _figures(2, 4096)), result("b", _figures(2, 4096))]))
        (sub,) = book.current("u")
        stored = [f for r in book.results(sub.id) for f in r.figures]
        assert [f.get("error", "") for f in stored] == ["", "", report_html.LEFT_OUT, report_html.LEFT_OUT]
        page = report_html.render(book.report(sub))
    assert page.count("data:image/png") == 2 and page.count(report_html.LEFT_OUT) == 2
    small = _report("u", [result("a", _figures(3, 8))])
    first = len(base64.b64decode(report_html.drawn(dict(small.results[0].figures[0]))["png"]))
    monkeypatch.setattr(report_html, "FIGURE_BYTES", first + 10)  # PNG past the cap: left out when drawn
    page = report_html.render(small)
    assert page.count("data:image/png") == 1 and page.count(report_html.LEFT_OUT) == 2


def test_a_plot_that_cannot_be_drawn_is_reported_on_the_page(tmp_path):
    from autograder.report import CheckResult

    broken = {"kind": "curve", "title": "no y", "reveals": True, "arrays": {"x": [0.0, 1.0]}}
    report = _report("u", [CheckResult("c", "1", "m.f", 0.0, 1.0, "wrong", "visible", [],
                                       figures=[broken, *_figures(1, 8)])])
    page = report_html.render(report)
    assert "(plot not drawn: KeyError: &#39;y&#39;)" in page and page.count("data:image/png") == 1


# ---------------------------------------------------------------- a class's pages at once
def test_a_parallel_export_writes_the_pages_drawn_one_at_a_time(tmp_path):
    from autograder import gradebook as gb, report_pages
    from autograder.report import CheckResult

    plots = _figures(3 * 5 + 6, 64)  # 21 distinct, enough for workers (PARALLEL_MIN)
    broken = {"kind": "curve", "title": "no y", "reveals": True, "arrays": {"x": [0.0, 1.0]}}
    twin = {**plots[0], "title": "the data of plot 0, another title"}
    with gb.Gradebook(tmp_path / "g.sqlite") as book:
        for i in range(6):  # overlapping windows: students share some plots, each has one that cannot be drawn
            figures = [broken, twin, *plots[3 * i:3 * i + 6]]
            book.record(f"s{i}", "u", f"h{i}", "", None, gb.GRADED, _report("u", [
                CheckResult("c", "1", "m.f", 0.0, 1.0, "wrong", "visible", [], figures=figures)]))
        one_at_a_time = {sub.student_id: report_html.render(book.report(sub), sub.student_id)
                         for sub in book.current("u")}
        assert all(page.count("data:image/png") == 7 and "plot not drawn: KeyError" in page
                   for page in one_at_a_time.values())
        for workers in (2, 1):
            with report_pages.Pages(workers) as pages:
                paths = pages.export(book, "u", tmp_path / f"out{workers}", str)
                assert (pages.pool is not None) == (workers > 1)
            assert {p.stem: p.read_text(encoding="utf-8") for p in paths} == one_at_a_time, f"{workers} workers"


def test_plots_of_a_worker_that_died_are_drawn_here():
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from autograder import report_pages
    from autograder.report import CheckResult

    figures = _figures(2, 8)
    report = _report("u", [CheckResult("c", "1", "m.f", 0.0, 1.0, "wrong", "visible", [], figures=figures)])
    plots = report_pages.Plots(figures)
    died = Future()
    died.set_exception(BrokenProcessPool("a worker died"))
    plots.drawings[report_pages.key(figures[0])] = died
    plots.fill(report)
    assert [f["png"] for f in figures] == [report_html.draw(f) for f in _figures(2, 8)]
    assert not plots.drawings, "drawings kept after their last use"


# ---------------------------------------------------------------- training curves against the bar
@pytest.mark.parametrize("unit, check, bar, points", [
    ("unit03_training", "two_moons_training_outcome", 0.95, 30),  # held-out accuracy after each epoch
    ("unit04_backprop", "train_solves_xor", 0.05, 300),  # the losses train recorded, each epoch
    ("unit05_cnn", "subpixel_beats_nearest", 0.5, 10),  # PSNR gain over nearest, every 15 steps (torch)
])
def test_training_outcomes_draw_their_metric_against_the_bar(tmp_path, unit, check, bar, points):
    report = grade(make_submission(tmp_path, unit), unit, only=[check])
    (result,) = report.results
    assert result.status == "passed", result.output
    (figure,) = [f for f in result.figures if f["kind"] == "training"]
    curves = {k: v for k, v in figure["arrays"].items() if isinstance(v, list)}
    assert figure["arrays"]["bar"] == bar and not figure["reveals"] and curves
    assert all(len(c) == points for c in curves.values())
    last = list(curves.values())[-1][-1]
    assert (last < bar) if unit == "unit04_backprop" else (last >= bar), (last, bar)  # the passing side of the bar
    assert report_html.images(result.figures)[0]["png"]


def test_a_failed_training_outcome_shows_every_attempt(tmp_path):
    unit = "unit03_training"
    report = grade(make_submission(tmp_path, unit, {"optimizers.adam": """
        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            return w + lr * np.sign(dw), state  # uphill
    """}), unit, only=["two_moons_training_outcome"])
    (result,) = report.results
    assert result.status == "failed"
    (figure,) = result.figures
    assert sorted(k for k, v in figure["arrays"].items() if isinstance(v, list)) == \
        ["training_1", "training_2", "training_3"]


def test_vae_training_shows_samples_and_reconstructions_as_image_grids(tmp_path):
    unit = "unit08_autoencoders"
    path = make_submission(tmp_path, unit, {"vae.elbo_loss": """
        def elbo_loss(x, x_hat, mu, logvar):
            return kl_divergence(mu, logvar).mean() + 0.0 * x_hat.sum()  # no reconstruction term
    """})
    for kind, submission in (("reference", make_submission(tmp_path / "ref", unit)), ("broken", path)):
        (result,) = grade(submission, unit, only=["vae_training_beats_baseline"]).results
        assert result.status == ("passed" if kind == "reference" else "failed"), result.output
        grids = [f for f in result.figures if f["kind"] == "samples"]
        assert [np.shape(f["arrays"]["images"]) for f in grids] == [(16, 2, 4), (16, 2, 4)]
        assert not any(f["reveals"] for f in grids)
        assert all(image["png"] for image in report_html.images(grids))
