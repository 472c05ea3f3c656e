"""AppTest: the main page's wiring — controls, uploads, the URL, divergence, downloads."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest
from helpers import ROOT, arr, assert_clean, open_page, trace
from streamlit.testing.v1 import AppTest

from gdviz.data import load_csv
from gdviz.optimizers import OPTIMIZERS
from gdviz.samples import SAMPLES

APP = ROOT / "app.py"


def page(**query) -> AppTest:
    return open_page(APP, **query)


def lesson(at: AppTest) -> dict:
    """The player's data the page sent: figures, frame steps, what moves, read-outs."""
    (component,) = at.get("bidi_component")
    return json.loads(component.proto.json)


def charts(at: AppTest) -> dict[str, dict]:
    """The lesson's two figures, by what they show."""
    descent, surface = lesson(at)["figures"]
    return {"descent": descent, "surface": surface}


def metrics(at: AppTest) -> dict[str, str]:
    """The numbers on screen at the shown step: the player's read-outs, and the step."""
    data = lesson(at)
    shown = data["start_frame"]
    numbers = {r["label"]: r["values"][shown] for r in data["readouts"]}
    return numbers | {"Step": f"{data['steps'][shown]:,} / {data['steps'][-1]:,}"}


def show_step(at: AppTest, step: int) -> AppTest:
    """What the browser does when the player stops on `step`: hand it to the page."""
    at.session_state["step"] = step
    return at.run()


def expander_label(at: AppTest) -> str:
    return next(e.label for e in at.expander if e.label.startswith("The data"))


# --- the default page ----------------------------------------------------------------------


def test_default_page_renders_everything():
    at = page()
    assert_clean(at)
    assert at.title[0].value.startswith("gdviz")
    figs = charts(at)
    assert set(figs) == {"descent", "surface"}
    descent, surface = figs["descent"], figs["surface"]
    go.Figure(descent), go.Figure(surface)  # the specs the page sends are valid Plotly
    data = lesson(at)
    assert len(data["steps"]) == 200  # one timeline for both figures and every number
    assert {m["figure"] for m in data["moving"]} == {0, 1}
    assert metrics(at)["Step"] == "0 / 1,000"
    assert float(metrics(at)["loss"]) > 0
    assert at.query_params["dataset"] == "study-hours"
    assert at.query_params["lr"] == "0.02"
    assert "100 points" in expander_label(at)


def test_stability_meter_gives_a_verdict_before_playing():
    at = page()
    verdicts = [s.value for s in at.sidebar.success] + [w.value for w in at.sidebar.warning]
    assert any(v.startswith(("Converges", "Slow")) for v in verdicts)
    at.number_input(key="lr").set_value(0.05).run()
    assert any(e.value.startswith("Diverges") for e in at.sidebar.error)


# --- every control ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_sample_dataset_loads_with_its_description_and_lr(name):
    at = page()
    at.selectbox(key="dataset").set_value(name).run()
    assert_clean(at)
    sample = SAMPLES[name]
    assert any(c.value == sample.description for c in at.sidebar.caption)
    assert at.number_input(key="lr").value == sample.lr
    assert at.query_params["dataset"] == name


def test_generated_points_follow_the_generator_controls():
    at = page()
    at.selectbox(key="dataset").set_value("generate").run()
    at.number_input(key="n").set_value(37).run()
    at.number_input(key="slope").set_value(-3.0).run()
    at.number_input(key="noise").set_value(0.0).run()
    assert_clean(at)
    assert "37 points" in expander_label(at)
    least = trace(charts(at)["descent"], "least-squares line")
    x, y = arr(least["x"]), arr(least["y"])
    slope = (y[1] - y[0]) / (x[1] - x[0])
    assert slope == pytest.approx(-3.0, rel=1e-9)  # noise 0: the exact line
    assert at.query_params["n"] == "37" and at.query_params["slope"] == "-3"


def test_bad_generator_range_is_reported_and_the_page_keeps_working():
    at = page(dataset="generate")
    at.number_input(key="x_min").set_value(20.0).run()
    assert_clean(at)
    assert any("x min must be below x max" in e.value for e in at.sidebar.error)
    assert len(at.get("bidi_component")) == 1


@pytest.mark.parametrize("loss", ["mse", "sse", "mae", "huber"])
def test_each_loss(loss):
    at = page(dataset="by-hand", lr="0.001", steps="50")
    at.selectbox(key="loss").set_value(loss).run()
    assert_clean(at)
    titles = [a["text"] for a in charts(at)["descent"]["layout"]["annotations"]]
    assert f"Loss ({loss})" in titles
    has_delta = any(n.key == "delta" for n in at.number_input)
    assert has_delta == (loss == "huber")


def test_standardise_x_changes_the_descent_units_and_fixes_house_prices():
    at = page(dataset="house-prices", lr="1e-07", steps="200")
    assert any("Standardise x" in w.value for w in at.warning)  # the crawl is explained
    at.toggle(key="scale").set_value(True).run()
    at.number_input(key="lr").set_value(0.1).run()
    assert_clean(at)
    assert "∂L/∂m_z" in metrics(at)
    assert not any("Standardise x" in w.value for w in at.warning)
    data = lesson(at)
    progress = data["readouts"][[r["id"] for r in data["readouts"]].index("progress")]
    progress = progress["values"][-1]  # at the last step (the run may stop early: converged)
    assert progress.endswith("of the way to the optimum") and float(progress.split("%")[0]) > 99.9


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_shows_its_own_hyperparameters(name):
    at = page(dataset="by-hand", lr="0.01", steps="100")
    at.selectbox(key="optimizer").set_value(name).run()
    assert_clean(at)
    keys = {w.key for w in list(at.number_input) + list(at.toggle)}
    for h in OPTIMIZERS[name].hyperparameters:
        assert h.name in keys
        assert at.query_params[h.name]
    others = {h.name for s in OPTIMIZERS.values() for h in s.hyperparameters} - {
        h.name for h in OPTIMIZERS[name].hyperparameters
    }
    assert not (others & keys)


def test_optimizer_switch_resets_hyperparameters_to_that_optimizers_defaults():
    at = page(optimizer="momentum", momentum="0.5")
    assert at.number_input(key="momentum").value == 0.5
    at.selectbox(key="optimizer").set_value("rmsprop").run()
    assert at.number_input(key="momentum").value == 0.0


def test_learning_rate_slider_and_exact_entry_stay_in_sync():
    at = page()
    at.select_slider(key="lr_log").set_value(0.005).run()
    assert at.number_input(key="lr").value == 0.005
    at.number_input(key="lr").set_value(0.0123).run()
    assert at.select_slider(key="lr_log").value == 0.01
    assert at.query_params["lr"] == "0.0123"


def test_steps_batch_and_start_point_reach_the_run():
    at = page(dataset="by-hand")
    at.number_input(key="steps").set_value(30).run()
    at.number_input(key="batch").set_value(3).run()
    at.number_input(key="m0").set_value(1.5).run()
    at.number_input(key="b0").set_value(-2.0).run()
    assert_clean(at)
    assert metrics(at)["Step"] == "0 / 30"
    assert metrics(at)["m"] == "1.5" and metrics(at)["b"] == "-2"
    assert len(lesson(at)["steps"]) == 31
    assert at.query_params["batch"] == "3"


def test_a_step_handed_back_goes_into_the_link_and_a_link_opens_at_its_step():
    at = page(dataset="by-hand", lr="0.01", steps="100")
    sent = lesson(at)
    show_step(at, 40)  # the browser paused on step 40
    assert at.query_params["step"] == "40"
    assert lesson(at) == sent  # the browser already shows it: the lesson is not sent again
    at = page(dataset="by-hand", lr="0.01", steps="100", step="40")  # the shared link
    descent = charts(at)["descent"]
    loss_marker = next(
        t for t in descent["data"] if t.get("name") == "current step" and t["xaxis"] == "x2"
    )
    assert arr(loss_marker["x"])[0] == 40
    assert float(metrics(at)["loss"]) == pytest.approx(arr(loss_marker["y"])[0], rel=1e-9)
    assert lesson(at)["steps"][lesson(at)["start_frame"]] == 40
    assert at.query_params["step"] == "40"


def test_residuals_toggle_adds_one_segment_per_point():
    at = page(dataset="by-hand")
    at.toggle(key="residuals").set_value(True).run()
    residuals = trace(charts(at)["descent"], "residuals")
    assert arr(residuals["x"]).size == 3 * 12  # x, x, gap for each of 12 points


# --- uploads ---------------------------------------------------------------------------------


def upload(at: AppTest, content: bytes, name: str = "points.csv") -> AppTest:
    at.selectbox(key="dataset").set_value("upload").run()
    at.file_uploader(key="upload_file").set_value((name, content, "text/csv")).run()
    return at


def test_the_upload_rules_stand_in_words_before_any_file_is_refused():
    """Streamlit refuses a wrong type or a file over the cap in the browser, before gdviz
    sees it: the rules are on the page, so a refusal is never only a red mark."""
    at = page(dataset="upload")
    rules = " ".join(c.value for c in at.sidebar.caption)
    assert "20 MB" in rules and ".xlsx" in rules and "CSV" in rules


def test_what_the_loader_decided_is_said_beside_the_columns():
    at = upload(page(), b"# measured on 12 May\nx;y\n1,5;2,25\n2,5;3,75\n3,5;5,5\n")
    assert_clean(at)
    said = " ".join(c.value for c in at.sidebar.caption)
    assert "decimal commas" in said and "comment" in said


def test_good_upload_is_fitted_with_column_pickers():
    at = upload(page(), b"a,b,c\n1,2,10\n2,4,20\n3,6.5,30\n4,8,41\n")
    assert_clean(at)
    assert "4 points (a, b)" in expander_label(at)
    pickers = [s for s in at.selectbox if s.key and s.key.startswith("y_col")]
    pickers[0].set_value("c").run()
    assert "4 points (a, c)" in expander_label(at)
    at.session_state["show_share"] = True
    at.run()
    assert any("cannot travel in a link" in c.value for c in at.caption)


BAD_FILES = {
    "empty": (b"", "empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "one column": (b"x\n1\n2\n3\n", "column"),
    "text in numbers": (b"x,y\n1,2\n2,abc\n3,4\n", "text"),
    "all x equal": (b"x,y\n3,1\n3,2\n3,5\n", "x"),
    "one point": (b"x,y\n1,2\n", "2"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_upload_shows_an_error_in_words_and_keeps_the_previous_data(case):
    content, word = BAD_FILES[case]
    at = page(dataset="by-hand")
    before = expander_label(at)
    upload(at, content)
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert errors and word.lower() in errors[0].lower(), errors
    assert "Traceback" not in errors[0]
    assert expander_label(at) == before  # the previous data is still on screen
    assert len(at.get("bidi_component")) == 1


def test_upload_text_is_never_rendered_as_html():
    at = upload(page(), b"<b>x</b>,<script>y</script>\n1,2\n2,3\n3,5\n")
    assert_clean(at)
    fig = charts(at)["descent"]
    assert "<script>" not in json.dumps(fig)
    assert fig["layout"]["xaxis"]["title"]["text"] == "&lt;b&gt;x&lt;/b&gt;"


# --- the URL ---------------------------------------------------------------------------------

ROUND_TRIP = {
    "dataset": "generate",
    "n": "50",
    "slope": "-1.5",
    "intercept": "3",
    "noise": "0.5",
    "xmin": "-2",
    "xmax": "4",
    "seed": "7",
    "optimizer": "adam",
    "lr": "0.05",
    "steps": "300",
    "m0": "1",
    "b0": "-1",
    "loss": "huber",
    "delta": "0.5",
    "batch": "10",
    "scale": "1",
    "step": "25",
    "tol": "0",
    "beta1": "0.8",
    "beta2": "0.99",
    "eps": "1e-06",
    "amsgrad": "1",
    "residuals": "1",
}


def test_query_parameters_round_trip_and_restore_every_control():
    at = page(**ROUND_TRIP)
    assert_clean(at)
    assert not at.warning or all("From the link" not in w.value for w in at.warning)
    assert dict(at.query_params) == ROUND_TRIP
    assert at.selectbox(key="optimizer").value == "adam"
    assert at.number_input(key="beta1").value == 0.8
    assert at.toggle(key="amsgrad").value is True
    assert at.toggle(key="residuals").value is True  # every visual toggle is in the link
    assert metrics(at)["Step"] == "25 / 300"
    # The same link opened again shows the same numbers.
    again = page(**ROUND_TRIP)
    assert metrics(again) == metrics(at)


GARBAGE = {
    "lr": "abc",
    "steps": "-5",
    "optimizer": "sgd-turbo",
    "loss": "<script>alert(1)</script>",
    "n": "1e400",
    "dataset": "nope",
    "scale": "maybe",
    "momentum": "nan",
    "step": "99999999",
    "m0": "inf",
}


def test_garbage_query_parameters_fall_back_with_visible_notes():
    at = page(**GARBAGE)
    assert_clean(at)
    notes = [w.value for w in at.warning if w.value.startswith("From the link")]
    assert len(notes) >= 8
    joined = " ".join(notes)
    for name in ("lr", "steps", "optimizer", "loss", "dataset", "scale", "m0"):
        assert name in joined
    assert at.selectbox(key="optimizer").value == "gd"
    assert at.number_input(key="lr").value == 0.02
    assert len(at.get("bidi_component")) == 1
    # The page rewrites the URL with the values it actually used.
    assert at.query_params["optimizer"] == "gd" and at.query_params["steps"] == "1"


@pytest.mark.parametrize("lr", [0.0, -0.5])
def test_a_learning_rate_that_is_not_positive_is_refused_in_words(lr):
    at = page(dataset="by-hand")
    at.number_input(key="lr").set_value(lr).run()
    assert_clean(at)
    assert any("learning rate must be a positive number" in e.value for e in at.error)
    at.number_input(key="lr").set_value(0.01).run()  # and the page recovers
    assert not at.error and len(at.get("bidi_component")) == 1


def test_huge_values_are_clamped_not_crashing():
    at = page(lr="1e300", steps="1e9", batch="-3")
    assert_clean(at)
    assert at.number_input(key="lr").value == 1e6
    assert at.number_input(key="steps").value == 10_000


# --- divergence ------------------------------------------------------------------------------


def test_divergence_is_explained_with_a_suggested_rate_and_finite_views():
    at = page(dataset="study-hours", lr="0.5", steps="1000")
    assert_clean(at)
    banner = at.error[0].value
    assert "Diverged at step" in banner and "try" in banner
    suggested = float(re.search(r"try ([0-9.e+-]+[0-9])", banner).group(1))
    assert 0 < suggested < 0.031  # below this data's stability limit
    specs = json.dumps(charts(at))
    assert "NaN" not in specs and "Infinity" not in specs
    assert all(v != "nan" for v in metrics(at).values())


# --- downloads -------------------------------------------------------------------------------


def test_the_player_hands_its_step_back_to_this_page():
    assert lesson(page())["hand_back"] is True  # the step goes into the link


def test_share_link_and_downloads_are_built_when_their_box_is_opened():
    at = page(dataset="by-hand", lr="0.02")
    # Closed: nothing inside is built, so the first view loads no code-block or button code.
    assert not at.get("download_button") and not at.code
    at.session_state["show_share"] = True
    at.run()
    assert_clean(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Trajectory (CSV)",
        "Animation (HTML, plays offline)",
        "This run as a NumPy script",
    ]
    (link,) = at.code
    assert link.value.endswith("?" + "&".join(f"{k}={v}" for k, v in at.query_params.items()))
    assert "lr=0.02" in link.value


def test_the_data_table_is_built_when_its_box_is_opened():
    sample = SAMPLES["by-hand"]
    points = load_csv(sample.path, x=sample.x, y=sample.y)
    at = page(dataset="by-hand")
    assert f"{points.n} points" in expander_label(at) and not at.dataframe
    at.session_state["show_data"] = True
    at.run()
    (table,) = at.dataframe
    assert list(table.value.columns) == [sample.x, sample.y]
    assert table.value[sample.x].tolist() == points.x.tolist()
    assert table.value[sample.y].tolist() == points.y.tolist()


# --- payload ---------------------------------------------------------------------------------


def test_a_ten_thousand_step_run_stays_under_two_megabytes():
    at = page(dataset="study-hours", steps="10000", tol="0")  # every one of the steps
    (component,) = at.get("bidi_component")
    assert len(component.proto.json) < 2_000_000
    assert len(lesson(at)["steps"]) <= 200


def test_user_text_is_shown_as_typed_not_as_markdown():
    at = upload(page(), b"[click](http://example.com),**bold**\n1,2\n2,3\n3,5\n")
    assert_clean(at)
    label = expander_label(at)
    assert r"\[click\]\(http\://example\.com\)" in label and r"\*\*bold\*\*" in label
    bad = page(optimizer="[x](http://example.com)")
    note = next(w.value for w in bad.warning if w.value.startswith("From the link"))
    assert "](http" not in note and r"\]\(http" in note


def test_convergence_is_reported_at_its_step_and_the_views_end_there():
    at = page(dataset="by-hand", scale="1", lr="0.1", steps="5000", tol="1e-6")
    assert_clean(at)
    message = at.success[0].value
    stop = int(re.search(r"Converged at step ([0-9,]+)", message).group(1).replace(",", ""))
    assert 0 < stop < 5000
    assert metrics(at)["Step"] == f"0 / {stop:,}"
    assert lesson(at)["steps"][-1] == stop
    assert at.query_params["tol"] == "1e-06"
    # Tolerance 0 runs every step.
    at.number_input(key="tol").set_value(0.0).run()
    assert metrics(at)["Step"] == "0 / 5,000"
