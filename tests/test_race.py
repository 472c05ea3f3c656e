"""Optimizers racing on one line fit: the runs, the suggested rates, the figure, the page."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
from helpers import ROOT, arr, assert_clean, open_page, players

from gdviz.errors import GdvizError
from gdviz.linefit.points import points_for
from gdviz.linefit.race import (
    DEFAULT_RACERS,
    race,
    race_rows,
    runs_from_query,
    runs_to_query,
    suggested_rate,
    suggested_runs,
)
from gdviz.linefit.run import run_line_fit
from gdviz.linefit.settings import LineFitSettings
from gdviz.optimizers import OPTIMIZERS
from gdviz.views.race import line_race_player

PAGE = ROOT / "pages" / "race_on_your_line.py"
SETTINGS = LineFitSettings()


@pytest.fixture(scope="module")
def points():
    return points_for(SETTINGS)


@pytest.fixture(scope="module")
def default_race(points):
    return race(points, SETTINGS, suggested_runs(points, SETTINGS))


def test_each_racer_is_the_main_pages_run_with_its_optimizer_and_rate(points, default_race):
    for (name, lr), result in zip(default_race.runs, default_race.results, strict=True):
        alone = run_line_fit(points, replace(SETTINGS, optimizer=name, lr=lr, hyper=()))
        np.testing.assert_array_equal(result.trajectory.params, alone.trajectory.params)
        assert result.trajectory.params[0].tolist() == [SETTINGS.m0, SETTINGS.b0]
        assert result.trajectory.optimizer == name and result.trajectory.lr == lr


@pytest.mark.parametrize("dataset", ["study-hours", "by-hand", "outliers", "generate"])
@pytest.mark.parametrize("scale", [False, True])
def test_suggested_rates_converge(dataset, scale):
    settings = LineFitSettings(dataset=dataset, scale=scale)
    points = points_for(settings)
    result = race(points, settings, suggested_runs(points, settings))
    assert [r.trajectory.status for r in result.results] == ["converged"] * len(DEFAULT_RACERS)


def test_gradient_descents_suggestion_is_below_its_stability_limit(points):
    x = points.x
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    lam = np.linalg.eigvalsh(hessian)
    assert suggested_rate(points, SETTINGS, "gd") <= 2 / (lam[0] + lam[1]) < 2 / lam[1]


def test_the_rows_say_steps_to_tolerance_and_status(default_race):
    rows = race_rows(default_race)
    key = "steps to ‖∇L‖ ≤ 0.001"
    assert list(rows[0])[:3] == ["optimizer", key, "status"]
    for row, r in zip(rows, default_race.results, strict=True):
        assert row[key] == r.trajectory.steps and row["status"] == "converged"
        assert r.trajectory.grad_norm[-1] <= 1e-3


def test_without_a_tolerance_the_gap_to_the_minimum_is_shown(points):
    settings = replace(SETTINGS, tol=0.0, steps=50)
    result = race(points, settings, (("gd", 0.03), ("adam", 3.4)))
    rows = race_rows(result)
    for row, r in zip(rows, result.results, strict=True):
        assert row["L − L_min at the end"] == pytest.approx(
            r.trajectory.final_loss - result.optimum_loss
        )
        assert row["status"] == "out of steps"


def test_a_diverging_racer_is_a_status_and_the_window_stays_near(points):
    result = race(points, SETTINGS, (("gd", 0.2), ("momentum", 0.029)))
    bad, good = race_rows(result)
    assert bad["status"].startswith("diverged at step ")
    assert good["status"] == "converged"
    (m_lo, m_hi), _ = result.grid.window
    assert m_hi - m_lo < 1e3 and np.all(np.isfinite(result.grid.z))


def test_race_refuses_what_no_page_could_send(points):
    with pytest.raises(GdvizError, match="Unknown optimizer"):
        race(points, SETTINGS, (("sgd", 0.1),))
    with pytest.raises(GdvizError, match="once"):
        race(points, SETTINGS, (("gd", 0.1), ("gd", 0.2)))
    with pytest.raises(GdvizError, match="positive"):
        race(points, SETTINGS, (("gd", 0.0),))


def test_the_link_carries_the_racers_and_rates(points):
    suggestions = {n: suggested_rate(points, SETTINGS, n) for n in OPTIMIZERS}
    runs = (("adam", 0.5), ("gd", 0.01))
    assert runs_from_query(runs_to_query(runs), suggestions) == (runs, [])
    got, notes = runs_from_query({"racers": "gd,Bogus", "lr_gd": "-1"}, suggestions)
    assert got == (("gd", 1e-12),) and len(notes) == 2
    assert runs_from_query({}, suggestions)[0] == tuple((n, suggestions[n]) for n in DEFAULT_RACERS)


def test_the_figure_is_the_compare_pages_over_m_and_b(default_race):
    data = line_race_player(default_race)
    spec = data["figures"][0]
    go.Figure(spec)
    paths = [t for t in spec["data"] if t.get("legendgroup") in OPTIMIZERS and "line" in t]
    contour_paths = [t for t in paths if t["xaxis"] == "x"]
    for path, r in zip(contour_paths, default_race.results, strict=True):
        np.testing.assert_array_equal(arr(path["x"]), r.trajectory.params[:, 0])
    star = next(t for t in spec["data"] if t.get("name") == "least squares")
    assert (star["x"][0], star["y"][0]) == pytest.approx(default_race.optimum)
    assert spec["layout"]["xaxis"]["title"]["text"].startswith("m")
    assert "L − L_min" in spec["layout"]["yaxis2"]["title"]["text"]
    assert len(data["moving"]) == 2 * len(DEFAULT_RACERS)  # a marker per racer and panel
    assert [r["label"] for r in data["readouts"]] == [OPTIMIZERS[n].title for n in DEFAULT_RACERS]
    assert data["sentences"][0]["template"].startswith("Step {step}: L − L_min of ")


# --- the page -------------------------------------------------------------------------------------


def test_the_page_races_the_default_settings():
    at = open_page(PAGE)
    assert_clean(at)
    assert at.title[0].value == "Optimizers racing on your line"
    assert not at.error and len(at.success) == len(DEFAULT_RACERS)
    table = at.dataframe[0].value
    assert list(table["status"]) == ["converged"] * len(DEFAULT_RACERS)
    assert list(players(at)) == ["race"]
    assert any("stop at ‖∇L‖ ≤ 0.001" in c.value for c in at.caption)
    query = dict(at.query_params)
    assert query["racers"] == ",".join(DEFAULT_RACERS) and query["dataset"] == "study-hours"
    # The link reproduces the race in a new session.
    again = open_page(PAGE, **query)
    assert_clean(again)
    assert dict(again.query_params) == query
    assert again.dataframe[0].value.equals(table)


def test_the_page_shows_a_diverging_rate_in_words():
    at = open_page(PAGE, racers="gd,adam", lr_gd="0.2")
    assert_clean(at)
    [error] = at.error
    assert error.value.startswith("Gradient descent, γ = 0.2: Diverged at step")
    table = at.dataframe[0].value
    assert table["status"][0].startswith("diverged at step ")
    assert table["status"][1] == "converged"
    assert players(at)["race"]["readouts"][0]["values"][-1] == "diverged"


def test_new_data_bring_new_suggested_rates():
    at = open_page(PAGE)
    at.selectbox(key="race_dataset").set_value("house-prices").run()
    assert_clean(at)
    settings = LineFitSettings(dataset="house-prices")
    expected = suggested_rate(points_for(settings), settings, "gd")
    assert at.number_input(key="race_lr_gd").value == expected
    assert (
        at.query_params["lr_gd"] == f"{expected:g}" or float(at.query_params["lr_gd"]) == expected
    )
    at.toggle(key="race_scale").set_value(True).run()
    assert_clean(at)
    assert list(at.dataframe[0].value["status"]) == ["converged"] * len(DEFAULT_RACERS)
