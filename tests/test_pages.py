"""AppTest: every page in pages/ renders; the compare page's wiring, URL and bad links."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from helpers import ROOT, arr, assert_clean, chart_count, open_page, players
from streamlit.testing.v1 import AppTest

from gdviz.compare.run import REACHED
from gdviz.compare.settings import (
    DEFAULT_FORMULA,
    DEFAULT_OPTIMIZERS,
    CompareSettings,
    default_lr,
    to_query,
    typed_rates,
)
from gdviz.objectives import test_function
from gdviz.optimizers import OPTIMIZERS

PAGES = sorted((ROOT / "pages").glob("*.py"))
COMPARE = ROOT / "pages" / "compare_optimizers.py"


def compare_page(**query) -> AppTest:
    return open_page(COMPARE, **query)


def lesson(at: AppTest) -> dict:
    """The compare page's player data: the race figure, what moves, the read-outs."""
    return players(at)["compare"]


def figure(at: AppTest) -> dict:
    return lesson(at)["figures"][0]


def main_kinds(at: AppTest) -> list[str]:
    """The kinds of the main area's elements, top to bottom."""
    return [getattr(e, "type", type(e).__name__) for e in at.main.children.values()]


def paths(at: AppTest) -> dict[str, np.ndarray]:
    """Each optimizer's path on the contour panel, as the page sends it."""
    return {
        t["legendgroup"]: np.column_stack((arr(t["x"]), arr(t["y"])))
        for t in figure(at)["data"]
        if t.get("legendgroup") in OPTIMIZERS and t.get("xaxis") == "x" and "line" in t
    }


def lr_inputs(at: AppTest) -> dict[str, float]:
    return {w.key[3:]: w.value for w in at.number_input if w.key and w.key.startswith("lr_")}


# --- every page -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_page_renders(path):
    at = open_page(path)
    assert_clean(at)
    assert chart_count(at) >= 1


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_every_page_is_reached_through_the_apps_navigation(path):
    """app.py declares the pages once: each file in pages/ opens from it and draws."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert_clean(at)
    at.switch_page(str(path.relative_to(ROOT))).run()
    assert_clean(at)
    assert at.title and chart_count(at) >= 1


# --- the compare page ---------------------------------------------------------------------------


def test_default_comparison():
    at = compare_page()
    assert_clean(at)
    assert at.title[0].value == "Compare optimizers"
    assert len(at.success) == len(DEFAULT_OPTIMIZERS)  # every default rate reaches the minimum
    assert not at.warning and not at.error
    go.Figure(figure(at))  # what the page sends is valid Plotly
    data = lesson(at)
    assert len(data["steps"]) == 200  # frames of the 300 steps
    assert len(data["moving"]) == 2 * len(DEFAULT_OPTIMIZERS)  # a marker per panel
    assert [r["label"] for r in data["readouts"]] == [
        OPTIMIZERS[n].title for n in DEFAULT_OPTIMIZERS
    ]
    assert data["hand_back"] is False  # the page does not use the step: no rerun per pause
    table = at.dataframe[0].value
    assert list(table.columns)[:3] == ["optimizer", "distance to minimum", "status"]
    assert list(table.columns)[-1] == REACHED
    assert list(table["optimizer"]) == [OPTIMIZERS[n].title for n in DEFAULT_OPTIMIZERS]
    assert set(table["status"]) == {"reached the minimum"}
    # The chart comes before the table, the explanations after it.
    kinds = main_kinds(at)
    assert kinds.index("bidi_component") < kinds.index("dataframe") < kinds.index("markdown")
    assert kinds.index("bidi_component") <= 3  # title, one line of text, then the chart
    assert dict(at.query_params) == to_query(CompareSettings())
    assert at.code[0].value.endswith("?" + "&".join(f"{k}={v}" for k, v in at.query_params.items()))
    assert lr_inputs(at) == {n: OPTIMIZERS[n].learning_rates["valley"] for n in DEFAULT_OPTIMIZERS}


def test_changing_the_function_resets_start_and_rates():
    at = compare_page()
    at.selectbox(key="cmp_function").set_value("rosenbrock").run()
    assert_clean(at)
    start = test_function("rosenbrock").start
    assert (at.number_input(key="cmp_x0").value, at.number_input(key="cmp_y0").value) == start
    assert lr_inputs(at) == {
        n: OPTIMIZERS[n].learning_rates["rosenbrock"] for n in DEFAULT_OPTIMIZERS
    }
    query = dict(at.query_params)
    assert query["function"] == "rosenbrock" and query["x0"] == "-1.5"
    assert query["lr_gd"] == "0.002"
    assert any("(1 − x)² + 100·(y − x²)²" in c.value.replace("\\", "") for c in at.caption)
    # The bowl brings its κ control; changing κ keeps the chosen rates.
    at.selectbox(key="cmp_function").set_value("bowl").run()
    assert at.number_input(key="cmp_kappa").value == 10.0
    at.number_input(key="lr_gd").set_value(0.01).run()
    at.number_input(key="cmp_kappa").set_value(100.0).run()
    assert_clean(at)
    assert at.query_params["kappa"] == "100" and at.query_params["lr_gd"] == "0.01"
    at.selectbox(key="cmp_function").set_value("valley").run()
    assert "kappa" not in at.query_params
    assert not [w for w in at.number_input if w.key == "cmp_kappa"]


def test_adding_and_removing_optimizers():
    at = compare_page()
    at.multiselect(key="cmp_optimizers").unselect("adam").run()
    assert_clean(at)
    assert "adam" not in lr_inputs(at) and "lr_adam" not in at.query_params
    assert len(at.dataframe[0].value) == len(DEFAULT_OPTIMIZERS) - 1
    at.multiselect(key="cmp_optimizers").select("adagrad").run()
    assert_clean(at)
    assert lr_inputs(at)["adagrad"] == default_lr("valley", "adagrad")
    assert at.query_params["optimizers"] == "gd,momentum,nesterov,rmsprop,adagrad"
    assert len(lesson(at)["moving"]) == 2 * 5
    assert any(t["name"].startswith("Adagrad (γ = 0.5)") for t in figure(at)["data"])
    # A re-added optimizer starts again from its suggested rate.
    at.number_input(key="lr_gd").set_value(0.05).run()
    at.multiselect(key="cmp_optimizers").unselect("gd").run()
    at.multiselect(key="cmp_optimizers").select("gd").run()
    assert lr_inputs(at)["gd"] == OPTIMIZERS["gd"].learning_rates["valley"]


def test_no_optimizer_chosen_still_shows_the_function():
    at = compare_page(optimizers="")
    assert_clean(at)
    assert any("at least one optimizer" in i.value for i in at.info)
    assert len(figure(at)["data"]) > 1 and at.dataframe[0].value.empty
    assert lesson(at)["moving"] == [] and lesson(at)["readouts"] == []
    assert at.query_params["optimizers"] == ""


def test_query_parameters_round_trip():
    chosen = CompareSettings.for_function(
        "himmelblau", x0=-1.0, y0=0.5, steps=800, tol=1e-9, runs=(("adam", 0.2), ("gd", 0.005))
    )
    at = compare_page(**to_query(chosen))
    assert_clean(at)
    assert not at.warning
    assert dict(at.query_params) == to_query(chosen)
    assert at.selectbox(key="cmp_function").value == "himmelblau"
    assert at.multiselect(key="cmp_optimizers").value == ["adam", "gd"]
    assert lr_inputs(at) == {"adam": 0.2, "gd": 0.005}
    assert at.number_input(key="cmp_steps").value == 800
    table = at.dataframe[0].value
    assert list(table["γ"]) == [0.2, 0.005]


def test_garbage_parameters_warn_and_the_page_still_works():
    at = compare_page(
        function="nope", steps="lots", x0="nan", lr_gd="-3", optimizers="gd,bogus", tol="-1"
    )
    assert_clean(at)
    warnings = [w.value for w in at.warning if w.value.startswith("From the link: ")]
    assert len(warnings) == 6
    assert any("function='nope'" in w for w in warnings)
    assert any("bogus" in w for w in warnings)
    assert list(players(at)) == ["compare"]
    query = dict(at.query_params)
    assert query["function"] == "valley" and query["steps"] == "300" and query["x0"] == "2.5"
    assert query["optimizers"] == "gd" and query["lr_gd"] == "1e-12" and query["tol"] == "0"


def test_a_diverging_rate_shows_an_error_with_a_suggestion():
    at = compare_page()
    at.number_input(key="lr_gd").set_value(1.5).run()
    assert_clean(at)
    [error] = at.error
    assert error.value.startswith("Gradient descent, γ = 1.5: Diverged at step")
    assert "try " in error.value
    table = at.dataframe[0].value
    assert table["status"][0].startswith("diverged at step ")
    assert list(players(at)) == ["compare"]


def test_an_overflowing_start_is_explained():
    at = compare_page(function="beale", x0="1e6", y0="1e6")
    assert_clean(at)
    assert any("overflowed" in e.value for e in at.error)
    assert at.query_params["x0"] == "1000000"


# --- your own function on the compare page ------------------------------------------------------


def typed_page(**query) -> AppTest:
    at = compare_page(**query)
    if "function" not in query and "fn" not in query:
        at.selectbox(key="cmp_function").set_value("custom").run()
    return at


def test_choosing_your_own_function_shows_the_example_with_its_rates():
    at = typed_page()
    assert_clean(at)
    assert at.text_input(key="cmp_fn").value == DEFAULT_FORMULA
    assert (at.number_input(key="cmp_x0").value, at.number_input(key="cmp_y0").value) == (
        2.5,
        -1.0,
    )
    rates = typed_rates(DEFAULT_FORMULA)[0]
    assert lr_inputs(at) == {n: rates[n] for n in DEFAULT_OPTIMIZERS}
    assert any("half their stability limit" in c.value for c in at.sidebar.caption)
    query = dict(at.query_params)
    assert query["function"] == "custom" and query["fn"] == DEFAULT_FORMULA
    assert query["span"] == "3"
    assert not at.error and len(at.success) == len(DEFAULT_OPTIMIZERS)


def test_a_typed_function_is_accepted_and_travels_in_the_link():
    at = typed_page()
    at.text_input(key="cmp_fn").set_value("sin(x)*cos(y) + 0.1*(x^2+y^2)").run()
    assert_clean(at)
    assert not at.error
    normalised = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    assert at.query_params["fn"] == normalised
    # Not quadratic: the valley's rates, and the page says so.
    assert lr_inputs(at) == {n: OPTIMIZERS[n].learning_rates["valley"] for n in DEFAULT_OPTIMIZERS}
    assert any("not quadratic" in c.value for c in at.sidebar.caption)
    assert any("sin(x)·cos(y)" in c.value.replace("\\", "") for c in at.caption)
    # The link reproduces it in a new session.
    again = compare_page(**dict(at.query_params))
    assert_clean(again)
    assert not [w for w in again.warning if w.value.startswith("From the link")]
    assert not again.error
    assert all("No minimum of a typed function is known" in w.value for w in again.warning)
    assert again.text_input(key="cmp_fn").value == normalised
    assert dict(again.query_params) == dict(at.query_params)
    for name, path in paths(again).items():
        np.testing.assert_array_equal(path, paths(at)[name])


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("__import__('os')", "Text in quotes at column 12 is not allowed"),
        ("x" * 10_240, "10,240 characters long"),
        ("9**9**9", "exponent"),
        ("x.__class__", "Attribute access"),
        ("(x + 1", "never closed"),
        ("z**2", "Unknown name"),
    ],
    ids=["import", "10kB", "9**9**9", "attribute", "bracket", "name"],
)
def test_a_refused_formula_is_a_sentence_and_the_page_keeps_working(typed, words):
    at = typed_page()
    at.text_input(key="cmp_fn").set_value("x**2 + 2*y**2").run()
    good = paths(at)
    at.text_input(key="cmp_fn").set_value(typed).run()
    assert_clean(at)
    [error] = at.error
    # Every character that Markdown would read is escaped: shown as typed.
    assert error.value.startswith(r"Your function was not used (still showing x\*\*2 \+ 2\*y\*\*2)")
    assert words in error.value.replace("\\", "")
    assert "Traceback" not in error.value and len(error.value) < 800
    # The last good function is still raced, and it is what the link holds.
    assert at.query_params["fn"] == "x**2 + 2*y**2"
    for name, path in paths(at).items():
        np.testing.assert_array_equal(path, good[name])
    assert len(at.success) == len(DEFAULT_OPTIMIZERS)
    # Fixing the formula clears the error.
    at.text_input(key="cmp_fn").set_value("x**2 + y**2").run()
    assert not at.error and at.query_params["fn"] == "x**2 + y**2"


def test_a_bad_fn_in_a_link_is_a_note_in_words_and_falls_back():
    at = compare_page(function="custom", fn="__import__('os').system('ls')")
    assert_clean(at)
    notes = [w.value for w in at.warning if w.value.startswith("From the link: ")]
    assert len(notes) == 1 and "quotes" in notes[0] and "Used x" in notes[0]
    assert at.text_input(key="cmp_fn").value == DEFAULT_FORMULA
    assert at.query_params["fn"] == DEFAULT_FORMULA and not at.error


def test_the_typed_valley_runs_exactly_like_the_built_in_one_on_the_page():
    rates = {f"lr_{n}": str(OPTIMIZERS[n].learning_rates["valley"]) for n in DEFAULT_OPTIMIZERS}
    built_in = compare_page(function="valley", **rates)
    typed = compare_page(function="custom", fn="x**2 + x*y + y**2", **rates)
    assert_clean(built_in)
    assert_clean(typed)
    a, b = paths(typed), paths(built_in)
    assert set(a) == set(DEFAULT_OPTIMIZERS)
    for name in DEFAULT_OPTIMIZERS:
        np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-12)
    assert list(typed.dataframe[0].value["status"]) == list(built_in.dataframe[0].value["status"])


def test_a_typed_functions_window_and_start_are_controls():
    at = typed_page()
    at.number_input(key="cmp_span").set_value(1.5).run()
    at.number_input(key="cmp_x0").set_value(1.0).run()
    assert_clean(at)
    spec = figure(at)
    x_lo, x_hi = spec["layout"]["xaxis"]["range"]
    assert x_lo <= -1.5 and x_hi >= 1.5 and x_hi < 3
    assert spec["layout"]["yaxis"]["range"][0] <= -1.5
    assert at.query_params["span"] == "1.5" and at.query_params["x0"] == "1"
    assert all(p[0].tolist() == [1.0, -1.0] for p in paths(at).values())
