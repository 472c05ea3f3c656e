"""AppTest: the learning-rate page (pages/the_learning_rate.py) for every optimizer with mse
and huber, a main-page link restoring its data, the page's numbers against single engine
runs and the closed form, the pick in the URL, and uploads that cannot travel in a link."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from helpers import ROOT, assert_clean, charts, open_page, trace
from streamlit.testing.v1 import AppTest

from gdviz.engine import run
from gdviz.linefit.points import points_for
from gdviz.linefit.run import prepare
from gdviz.linefit.settings import LineFitSettings, LineFitView
from gdviz.linefit.settings import to_query as main_query
from gdviz.optimizers import OPTIMIZERS, optimizer_spec

PAGE = ROOT / "pages" / "the_learning_rate.py"
GENERATED = LineFitSettings(
    dataset="generate", n=30, slope=-1.5, intercept=4.0, noise=0.5, seed=9, steps=200, tol=1e-4
)


def table(at: AppTest):
    return at.dataframe[0].value


def sweep_figure(at: AppTest) -> dict:
    return charts(at)["sweep"]


def player(at: AppTest) -> dict:
    return json.loads(at.get("bidi_component")[0].proto.json)


@pytest.mark.parametrize("loss", ["mse", "huber"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimizer_renders(optimizer, loss):
    at = open_page(PAGE, optimizer=optimizer, loss=loss, steps=150, count=30)
    assert_clean(at)
    assert not at.error
    assert at.title[0].value == "Which learning rate?"
    assert len(table(at)) == 30
    assert len(player(at)["figures"][0]["data"]) > 8
    assert at.query_params["optimizer"] == optimizer and at.query_params["loss"] == loss
    words = " ".join(m.value for m in at.markdown)
    if loss == "mse":
        assert "exact" in words
    else:  # the sample's start: no point within δ of the line, so no curvature there
        assert "not positive" in words or "Hessian at the start" in words


def test_a_main_page_link_restores_its_data_and_the_numbers_are_single_runs():
    at = open_page(PAGE, **main_query(GENERATED))
    assert_clean(at)
    assert "30 points" in " ".join(c.value for c in at.sidebar.caption)
    points = points_for(GENERATED)
    problem = prepare(points, GENERATED)
    rows = table(at)
    spec = optimizer_spec("gd")
    for lr, status, loss in zip(rows["learning rate"], rows["status"], rows["final loss"],
                                strict=True):  # fmt: skip
        traj = run(problem.fit, spec.build(lr), problem.start, steps=200, tol=1e-4)
        assert traj.status.replace("_", " ") == status and traj.final_loss == loss
    # The marked limit is the closed form's 2/λmax for these points.
    x = points.x
    lam_max = np.linalg.eigvalsh(2 * np.array(((np.mean(x * x), x.mean()), (x.mean(), 1.0))))[-1]
    mark = trace(sweep_figure(at), "2/λmax")
    assert mark["x"][0] == pytest.approx(2 / lam_max, rel=1e-12)
    for key in ("dataset", "n", "slope", "intercept", "noise", "seed", "steps", "tol"):
        assert at.query_params[key] == main_query(GENERATED)[key]


def test_a_bare_visit_takes_the_main_pages_settings_from_the_session():
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["_fit_last"] = (replace(GENERATED, optimizer="nesterov"), LineFitView())
    at.run()
    assert_clean(at)
    assert at.query_params["optimizer"] == "nesterov" and at.query_params["n"] == "30"
    assert at.selectbox(key="rate_optimizer").value == "nesterov"


def test_the_pick_travels_in_the_url_and_replays_that_rate():
    at = open_page(PAGE, **main_query(GENERATED))
    rates = list(table(at)["learning rate"])
    at.select_slider(key="rate_pick").set_value(rates[3]).run()
    assert_clean(at)
    assert float(at.query_params["pick"]) == rates[3]
    labels = [r["label"] for r in player(at)["readouts"]]
    assert labels == ["too small", "just right", "too big", "your pick"]
    again = open_page(PAGE, **dict(at.query_params))
    assert again.select_slider(key="rate_pick").value == rates[3]
    ring = trace(sweep_figure(again), "your pick")
    assert ring["x"] == [rates[3]]


def test_changing_the_range_and_the_optimizer():
    at = open_page(PAGE, lr_min="0.001", lr_max="0.02", count="31", steps="100")
    assert_clean(at)
    rates = table(at)["learning rate"]
    assert len(rates) == 31 and rates.iloc[0] == pytest.approx(0.001) and rates.iloc[-1] == 0.02
    at.selectbox(key="rate_optimizer").set_value("momentum").run()
    assert_clean(at)
    assert at.query_params["optimizer"] == "momentum" and at.query_params["momentum"] == "0.9"
    assert any("is stable below" in m.value and "μ" in m.value for m in at.markdown)


def test_bad_links_are_words_not_tracebacks():
    at = open_page(PAGE, count="9", lr_min="5", lr_max="1", pick="abc")
    assert_clean(at)
    notes = " ".join(w.value for w in at.warning)
    assert "count=9 is below the minimum 30" in notes and "not below" in notes
    assert "not a number" in notes
    at = open_page(PAGE, lr_min="2", steps="50")  # above the automatic largest rate
    assert_clean(at)
    assert "must be below the largest" in at.error[0].value


def test_an_upload_link_without_the_file_says_so_and_uses_the_sample():
    at = open_page(PAGE, dataset="upload")
    assert_clean(at)
    assert any("uploads cannot travel in a link" in i.value for i in at.info)
    assert len(table(at)) == 40
