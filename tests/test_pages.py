"""AppTest: every page in pages/ renders; the compare page's wiring, URL and bad links."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from helpers import ROOT, assert_clean, chart_count, charts, open_page
from streamlit.testing.v1 import AppTest

from gdviz.compare.run import TABLE_COLUMNS
from gdviz.compare.settings import (
    DEFAULT_OPTIMIZERS,
    CompareSettings,
    default_lr,
    to_query,
)
from gdviz.objectives import test_function
from gdviz.optimizers import OPTIMIZERS

PAGES = sorted((ROOT / "pages").glob("*.py"))
COMPARE = ROOT / "pages" / "compare_optimizers.py"


def compare_page(**query) -> AppTest:
    return open_page(COMPARE, **query)


def figure(at: AppTest) -> dict:
    return charts(at)["compare"]


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
    spec = figure(at)
    go.Figure(spec)  # what the page sends is valid Plotly
    assert len(spec["frames"]) == 200
    assert len(spec["frames"][0]["traces"]) == 2 * len(DEFAULT_OPTIMIZERS)
    table = at.dataframe[0].value
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(table["optimizer"]) == [OPTIMIZERS[n].title for n in DEFAULT_OPTIMIZERS]
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
    titles = [a["text"] for a in figure(at)["layout"]["annotations"]]
    assert any(t.startswith("rosenbrock:") for t in titles)
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
    spec = figure(at)
    assert len(spec["frames"][0]["traces"]) == 2 * 5
    assert any(t["name"].startswith("Adagrad (γ = 0.5)") for t in spec["data"])
    # A re-added optimizer starts again from its suggested rate.
    at.number_input(key="lr_gd").set_value(0.05).run()
    at.multiselect(key="cmp_optimizers").unselect("gd").run()
    at.multiselect(key="cmp_optimizers").select("gd").run()
    assert lr_inputs(at)["gd"] == OPTIMIZERS["gd"].learning_rates["valley"]


def test_no_optimizer_chosen_still_shows_the_function():
    at = compare_page(optimizers="")
    assert_clean(at)
    assert any("at least one optimizer" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1 and at.dataframe[0].value.empty
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
    assert list(table["learning rate"]) == [0.2, 0.005]


def test_garbage_parameters_warn_and_the_page_still_works():
    at = compare_page(
        function="nope", steps="lots", x0="nan", lr_gd="-3", optimizers="gd,bogus", tol="-1"
    )
    assert_clean(at)
    warnings = [w.value for w in at.warning if w.value.startswith("From the link: ")]
    assert len(warnings) == 6
    assert any("function='nope'" in w for w in warnings)
    assert any("bogus" in w for w in warnings)
    assert len(at.get("plotly_chart")) == 1
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
    assert table["status"][0] == "diverged"
    assert len(at.get("plotly_chart")) == 1


def test_an_overflowing_start_is_explained():
    at = compare_page(function="beale", x0="1e6", y0="1e6")
    assert_clean(at)
    assert any("overflowed" in e.value for e in at.error)
    assert at.query_params["x0"] == "1000000"
