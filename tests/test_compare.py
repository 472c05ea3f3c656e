"""The optimizer comparison: URL settings, fair runs, summaries, and the animated figure spec."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
from helpers import arr
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.compare.run import (
    GRID_SIZE,
    REACH_DISTANCE,
    REACHED,
    compare,
    status_words,
    summary_rows,
    table_columns,
)
from gdviz.compare.settings import (
    CUSTOM,
    DEFAULT_FORMULA,
    DEFAULT_OPTIMIZERS,
    DEFAULT_STEPS,
    MAX_STEPS,
    CompareSettings,
    default_lr,
    default_runs,
    from_query,
    to_query,
    typed_rates,
)
from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.expression import parse_function
from gdviz.objectives import TEST_FUNCTIONS, test_function
from gdviz.optimizers import OPTIMIZERS
from gdviz.timeline import frame_steps
from gdviz.views.compare import (
    MARKERS_ON_LINE,
    comparison_floor,
    comparison_picture,
    contour_levels,
    race_figure,
)
from gdviz.views.playback import decode_array
from gdviz.views.race_player import comparison_player

VALLEY_RACE = CompareSettings(runs=(("gd", 0.2), ("momentum", 0.02), ("adam", 0.1)))


@pytest.fixture(scope="module")
def valley_race():
    return compare(VALLEY_RACE)


def comparison_spec(result, step: int = 0) -> dict:
    """The race figure the compare page's player draws (markers at `step`)."""
    return race_figure(comparison_picture(result), step)


def marker_rows(data: dict) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Each moving marker: (its trace, x per frame, y per frame), as the browser reads them."""
    return [
        (m["trace"], decode_array(m["attrs"]["x"])[:, 0], decode_array(m["attrs"]["y"])[:, 0])
        for m in data["moving"]
    ]


def names(spec: dict) -> list[str]:
    return [t.get("name") for t in spec["data"]]


def contours(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t.get("legendgroup") == "contours"]


# --------------------------------------------------------------------------------------------
# LineFitSettings and the URL
# --------------------------------------------------------------------------------------------


def test_defaults_are_the_functions_own():
    s = CompareSettings()
    assert (s.function, s.steps, s.tol) == ("valley", DEFAULT_STEPS, 0.0)
    assert (s.x0, s.y0) == test_function("valley").start
    assert s.optimizers == DEFAULT_OPTIMIZERS
    assert dict(s.runs) == {
        name: OPTIMIZERS[name].learning_rates["valley"] for name in DEFAULT_OPTIMIZERS
    }
    rosen = CompareSettings.for_function("rosenbrock")
    assert (rosen.x0, rosen.y0) == test_function("rosenbrock").start
    assert dict(rosen.runs)["gd"] == OPTIMIZERS["gd"].learning_rates["rosenbrock"]


def test_every_function_has_a_rate_for_every_optimizer():
    for function in TEST_FUNCTIONS:
        for name in OPTIMIZERS:
            lr = default_lr(function, name)
            assert isinstance(lr, float) and 0 < lr <= 10


@pytest.mark.parametrize("kappa", [0.5, 1.0, 10.0, 100.0, 1000.0])
def test_bowl_rates_follow_kappa_and_stay_stable(kappa):
    """Half gradient descent's stability limit 1/max(κ, 1): stable whatever κ is."""
    assert default_lr("bowl", "gd", kappa) == pytest.approx(0.5 / max(kappa, 1.0), rel=0.05)
    result = compare(CompareSettings.for_function("bowl", kappa))
    assert all(s.status != "diverged" for s in result.summaries)


@pytest.mark.parametrize("function", sorted(TEST_FUNCTIONS))
def test_default_rates_never_diverge(function):
    runs = default_runs(function, optimizers=tuple(OPTIMIZERS))
    result = compare(CompareSettings.for_function(function, runs=runs))
    assert [s.status for s in result.summaries if s.status == "diverged"] == []


@pytest.mark.parametrize(
    "s",
    [
        CompareSettings(),
        VALLEY_RACE,
        CompareSettings.for_function("bowl", 37.5, steps=1234, tol=1e-7),
        CompareSettings.for_function(
            "himmelblau", x0=-0.1, y0=1e-9, runs=(("adagrad", 0.3), ("rmsprop", 1 / 3))
        ),
        CompareSettings.for_function("saddle", runs=()),
        CompareSettings.for_function("booth", x0=-1e6, y0=1e6, steps=MAX_STEPS),
    ],
    ids=["default", "valley-race", "bowl", "himmelblau", "saddle-none", "booth-extremes"],
)
def test_query_round_trip(s):
    query = to_query(s)
    assert all(isinstance(v, str) for v in query.values())
    assert from_query(query) == (s, [])


def test_query_names_are_readable():
    query = to_query(CompareSettings.for_function("bowl", 20.0, runs=(("gd", 0.01),)))
    assert query == {
        "function": "bowl",
        "kappa": "20",
        "x0": "-2.5",
        "y0": "2",
        "steps": "300",
        "tol": "0",
        "optimizers": "gd",
        "lr_gd": "0.01",
    }
    assert "kappa" not in to_query(CompareSettings())  # only the bowl has a κ


def test_missing_values_take_the_chosen_functions_defaults():
    s, notes = from_query({"function": "beale", "optimizers": "adam,gd"})
    assert notes == []
    assert (s.x0, s.y0) == test_function("beale").start
    assert s.runs == (
        ("adam", OPTIMIZERS["adam"].learning_rates["beale"]),
        ("gd", OPTIMIZERS["gd"].learning_rates["beale"]),
    )


@pytest.mark.parametrize(
    ("params", "expected", "note"),
    [
        ({"function": "nope"}, {"function": "valley"}, "Ignored function='nope'"),
        ({"steps": "abc"}, {"steps": DEFAULT_STEPS}, "not a number"),
        ({"steps": "2.5"}, {"steps": DEFAULT_STEPS}, "not a whole number"),
        ({"steps": "99999"}, {"steps": MAX_STEPS}, "above the maximum"),
        ({"steps": "0"}, {"steps": 1}, "below the minimum"),
        ({"x0": "nan"}, {"x0": 2.5}, "not a finite number"),
        ({"y0": "inf"}, {"y0": -1.0}, "not a finite number"),
        ({"tol": "-1"}, {"tol": 0.0}, "below the minimum"),
        ({"function": "bowl", "kappa": "0"}, {"kappa": 0.1}, "below the minimum"),
        ({"function": "bowl", "kappa": "x"}, {"kappa": 10.0}, "Ignored kappa='x'"),
    ],
)
def test_garbage_falls_back_with_a_note(params, expected, note):
    s, notes = from_query(params)
    for key, value in expected.items():
        assert getattr(s, key) == value
    assert len(notes) == 1 and note in notes[0]


def test_garbage_learning_rates_and_optimizer_lists():
    s, notes = from_query({"optimizers": "gd, Adam,bogus,gd,,", "lr_gd": "-5", "lr_adam": "x"})
    assert s.optimizers == ("gd", "adam")  # case and spaces forgiven, repeats once
    assert dict(s.runs) == {"gd": 1e-12, "adam": OPTIMIZERS["adam"].learning_rates["valley"]}
    assert len(notes) == 3
    assert any("bogus" in n for n in notes)
    assert any("lr_gd=-5 is below the minimum" in n for n in notes)
    assert any("Ignored lr_adam='x'" in n for n in notes)


def test_nothing_known_in_the_list_gives_the_defaults():
    s, notes = from_query({"optimizers": "sgd,lbfgs"})
    assert s.optimizers == DEFAULT_OPTIMIZERS
    assert len(notes) == 2


def test_an_empty_list_is_a_choice_and_unused_rates_are_ignored():
    s, notes = from_query({"optimizers": "", "lr_adam": "0.5", "utm_source": "mail"})
    assert s.runs == () and notes == []


def test_repeated_parameters_use_the_first_and_long_values_are_cut():
    s, notes = from_query({"steps": ["40", "50"], "function": "x" * 500})
    assert s.steps == 40
    assert len(notes[0]) < 200


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["function", "kappa", "x0", "y0", "steps", "tol", "optimizers", "lr_gd", "lr_adam"]
        ),
        st.one_of(st.text(max_size=30), st.floats().map(repr), st.integers().map(str)),
    )
)
def test_from_query_never_raises(params):
    s, notes = from_query(params)
    assert isinstance(s, CompareSettings)
    assert all(isinstance(n, str) and n for n in notes)
    assert 1 <= s.steps <= MAX_STEPS and math.isfinite(s.x0) and math.isfinite(s.y0)
    assert from_query(to_query(s)) == (s, [])


@settings(max_examples=100, deadline=None)
@given(
    function=st.sampled_from(sorted(TEST_FUNCTIONS)),
    x0=st.floats(-1e6, 1e6),
    steps=st.integers(1, MAX_STEPS),
    tol=st.floats(0, 1e6),
    chosen=st.lists(st.sampled_from(sorted(OPTIMIZERS)), unique=True),
    lr=st.floats(1e-12, 1e6),
)
def test_any_valid_settings_round_trip(function, x0, steps, tol, chosen, lr):
    s = CompareSettings.for_function(
        function, x0=x0, steps=steps, tol=tol, runs=tuple((n, lr) for n in chosen)
    )
    assert from_query(to_query(s)) == (s, [])


def test_settings_refuse_what_the_page_could_never_send():
    with pytest.raises(GdvizError, match="Unknown function"):
        CompareSettings(function="nope")
    with pytest.raises(GdvizError, match="Unknown optimizer"):
        CompareSettings(runs=(("sgd", 0.1),))
    with pytest.raises(GdvizError, match="once"):
        CompareSettings(runs=(("gd", 0.1), ("gd", 0.2)))
    with pytest.raises(GdvizError, match="steps"):
        CompareSettings(steps=0)


# --------------------------------------------------------------------------------------------
# Running the comparison
# --------------------------------------------------------------------------------------------


def test_every_optimizer_runs_the_same_race(valley_race):
    """Same start, same budget, same tolerance: each run equals a direct engine run."""
    fn = test_function("valley")
    for (name, lr), t in zip(VALLEY_RACE.runs, valley_race.trajectories, strict=True):
        spec = OPTIMIZERS[name]
        defaults = {h.name: h.default for h in spec.hyperparameters}
        oracle = run(fn, spec.build(lr, **defaults), fn.start, steps=VALLEY_RACE.steps)
        np.testing.assert_array_equal(t.params, oracle.params)
        np.testing.assert_array_equal(t.loss, oracle.loss)
        assert tuple(t.params[0]) == (VALLEY_RACE.x0, VALLEY_RACE.y0)
        assert t.steps == VALLEY_RACE.steps and t.lr == lr and t.optimizer == name


def test_valley_race_converges_where_expected(valley_race):
    fn = test_function("valley")
    for s, t in zip(valley_race.summaries, valley_race.trajectories, strict=True):
        assert s.status == "max_steps" and s.kind == "success"
        assert s.nearest_minimum == (0.0, 0.0)
        distances = np.hypot(t.params[:, 0], t.params[:, 1])
        assert s.reached_at == int(np.flatnonzero(distances <= REACH_DISTANCE)[0])
        assert distances[s.reached_at - 1] > REACH_DISTANCE
        assert s.distance == pytest.approx(distances[-1]) and s.distance < REACH_DISTANCE
        assert s.final_loss == pytest.approx(fn.value(t.params[-1]))
        assert (s.final_x, s.final_y) == tuple(t.params[-1])
        assert f"at step {s.reached_at:,}" in s.message
    reached = {s.optimizer: s.reached_at for s in valley_race.summaries}
    # Plain gradient descent at a good rate beats heavy-ball momentum on this round bowl.
    assert reached["gd"] < reached["momentum"]
    assert valley_race.f_min == 0.0


def test_tolerance_stops_every_run_by_the_same_rule():
    result = compare(replace(VALLEY_RACE, tol=1e-6))
    for s, t in zip(result.summaries, result.trajectories, strict=True):
        assert s.status == "converged" and s.kind == "success"
        assert t.grad_norm[-1] <= 1e-6 < t.grad_norm[-2]
    assert result.timeline.last == max(t.steps for t in result.trajectories)


def test_a_diverging_rate_is_reported_with_a_suggestion():
    result = compare(replace(VALLEY_RACE, runs=(("gd", 1.5), ("adam", 0.1))))
    bad, good = result.summaries
    assert bad.status == "diverged" and bad.kind == "error"
    assert bad.diverged_at is not None and bad.suggested_lr is not None
    assert bad.suggested_lr < 2 / 3  # below the stability limit 2/λmax of the valley
    assert f"Diverged at step {bad.diverged_at:,}" in bad.message
    assert f"{bad.suggested_lr:.2g}" in bad.message
    assert good.kind == "success"
    # The window frames the valley's own window, not the far end of the diverging path.
    (x_lo, x_hi), (y_lo, y_hi) = result.grid.window
    assert x_lo <= -3 and x_hi >= 3 and y_lo <= -3 and y_hi >= 3
    assert max(x_hi - x_lo, y_hi - y_lo) < 1e3
    assert np.all(np.isfinite(result.grid.z))


def test_a_diverging_path_is_framed_only_near_its_start():
    result = compare(CompareSettings.for_function("rosenbrock", runs=(("gd", 0.01),)))
    t = result.trajectories[0]
    assert t.status == "diverged"
    near = np.abs(t.loss) <= 1e3 * max(abs(t.loss[0]), 1.0)
    (x_lo, x_hi), (y_lo, y_hi) = result.grid.window
    for x, y in t.params[near]:
        assert x_lo <= x <= x_hi and y_lo <= y <= y_hi
    assert not all(x_lo <= x <= x_hi for x in t.params[~near][:, 0])


def test_the_saddle_has_no_minimum_to_measure():
    result = compare(CompareSettings.for_function("saddle"))
    assert result.f_min is None
    for s in result.summaries:
        assert s.distance is None and s.reached_at is None and s.nearest_minimum is None
        assert s.kind == "warning" and "no minimum" in s.message


def test_himmelblau_names_the_minimum_reached():
    result = compare(CompareSettings.for_function("himmelblau", x0=-1.0, y0=-1.0))
    fn = test_function("himmelblau")
    for s in result.summaries:
        assert s.nearest_minimum in fn.minima


def test_results_are_read_only_and_the_grid_is_shared(valley_race):
    assert valley_race.grid.z.shape == (GRID_SIZE, GRID_SIZE)
    assert not valley_race.timeline.steps.flags.writeable
    for t in valley_race.trajectories:
        assert not t.params.flags.writeable


def test_summary_rows_put_the_distance_second_without_a_tolerance(valley_race):
    columns = table_columns(valley_race)
    assert columns == ("optimizer", "distance to minimum", "status", "γ", "final f", REACHED)
    rows = summary_rows(valley_race)
    assert [tuple(r) for r in rows] == [columns] * 3
    assert [r["optimizer"] for r in rows] == ["Gradient descent", "Momentum", "Adam"]
    assert rows[0]["γ"] == 0.2 and rows[0]["status"] == "reached the minimum"
    for row, s in zip(rows, valley_race.summaries, strict=True):
        assert row[REACHED] == s.reached_at and row["distance to minimum"] == s.distance


def test_with_a_tolerance_the_second_column_is_the_steps_to_reach_it():
    result = compare(replace(VALLEY_RACE, tol=1e-6, runs=(*VALLEY_RACE.runs, ("adagrad", 1e-4))))
    key = "steps to ‖∇f‖ ≤ 1e-06"
    assert table_columns(result)[:3] == ("optimizer", key, "status")
    rows = summary_rows(result)
    for row, t in zip(rows[:3], result.trajectories[:3], strict=True):
        assert row[key] == t.steps and row["status"] == "converged"
        assert t.grad_norm[t.steps] <= 1e-6 < t.grad_norm[t.steps - 1]
    assert rows[3][key] is None and rows[3]["status"] == "out of steps"


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (replace(VALLEY_RACE, runs=(("gd", 1.5),)), "diverged at step "),
        (replace(VALLEY_RACE, runs=(("gd", 1e-5),)), "out of steps"),
        (replace(VALLEY_RACE, runs=(("gd", 0.2),)), "reached the minimum"),
        (replace(VALLEY_RACE, runs=(("gd", 0.2),), tol=1e-9), "converged"),
        (replace(VALLEY_RACE, runs=(("gd", 0.01),), tol=1.0), "stopped short of a minimum"),
    ],
)
def test_status_words_say_what_happened(settings, words):
    [summary] = compare(settings).summaries
    assert status_words(summary).startswith(words)
    if words.startswith("diverged"):
        assert status_words(summary) == f"diverged at step {summary.diverged_at:,}"


def test_without_minimum_or_tolerance_there_is_no_key_column():
    result = compare(CompareSettings.for_function("saddle"))
    assert table_columns(result) == ("optimizer", "status", "γ", "final f")


def test_a_start_where_f_is_infinite_is_an_error():
    with pytest.raises(GdvizError, match=r"not a finite number at the start \(1e\+200, -1\)"):
        compare(CompareSettings.for_function("valley", x0=1e200, runs=()))
    with pytest.raises(GdvizError, match="not a finite number"):  # Python's float ** overflows
        compare(CompareSettings.for_function("rosenbrock", x0=1e200, runs=()))


def test_an_overflowing_run_is_a_divergence_in_words():
    result = compare(CompareSettings.for_function("beale", x0=1e6, y0=1e6, runs=(("gd", 0.02),)))
    [summary] = result.summaries
    assert summary.status == "diverged" and summary.kind == "error"
    assert "overflowed" in summary.message and "last finite point" in summary.message


# --------------------------------------------------------------------------------------------
# The figure
# --------------------------------------------------------------------------------------------


def test_spec_is_valid_plotly(valley_race):
    data = comparison_player(valley_race, 0)
    go.Figure(data["figures"][0])
    assert len(data["steps"]) == 200  # of the 301 steps
    assert "frames" not in data["figures"][0]  # the player moves the markers itself


@pytest.mark.parametrize("function", sorted(TEST_FUNCTIONS))
def test_every_functions_default_spec_is_valid(function):
    result = compare(CompareSettings.for_function(function))
    go.Figure(comparison_player(result, 0)["figures"][0])


def test_frames_are_at_most_200_steps_and_only_markers_move():
    result = compare(replace(VALLEY_RACE, steps=MAX_STEPS))
    data = comparison_player(result, 0)
    spec = data["figures"][0]
    assert data["steps"] == frame_steps(MAX_STEPS).tolist()
    n = len(VALLEY_RACE.runs)
    rows = marker_rows(data)
    assert len(rows) == 2 * n
    moving = [spec["data"][trace] for trace, _, _ in rows]
    assert all(t["mode"] == "markers" and len(t["x"]) == 1 for t in moving)
    assert [t["xaxis"] for t in moving] == ["x"] * n + ["x2"] * n
    assert all(len(x) == len(y) == 200 for _, x, y in rows)
    # Static traces never move: contour lines, paths, curves, minima, start.
    static = set(range(len(spec["data"]))) - {trace for trace, _, _ in rows}
    assert {spec["data"][i]["name"] for i in static} >= {"start", "minimum", "loss contours"}


def test_markers_follow_the_trajectories(valley_race):
    data = comparison_player(valley_race, 0)
    frame = data["steps"].index(37)
    rows = marker_rows(data)
    n = len(valley_race.trajectories)
    for t, (_, x, y) in zip(valley_race.trajectories, rows[:n], strict=True):
        assert (x[frame], y[frame]) == tuple(t.params[37])
    for t, (_, x, y) in zip(valley_race.trajectories, rows[n:], strict=True):
        assert x[frame] == 37
        assert y[frame] == pytest.approx(max(t.loss[37], comparison_floor(valley_race)))


def test_a_run_that_stopped_early_waits_at_its_last_step():
    result = compare(replace(VALLEY_RACE, runs=(("gd", 1.5), ("adam", 0.1))))
    data = comparison_player(result, 0)
    bad = result.trajectories[0]
    rows = marker_rows(data)
    assert rows[0][1][-1] == float(bad.params[-1, 0])  # on the contour: its last point
    assert rows[2][1][-1] == bad.steps  # on the loss panel: its last step
    gd, adam = data["readouts"]
    assert gd["values"][-1] == "diverged" and adam["values"][-1] != "diverged"
    assert float(adam["values"][-1]) == pytest.approx(
        float(f"{result.trajectories[1].loss[-1] - result.f_min:.3g}")
    )


def test_initial_step_places_the_markers_and_the_player(valley_race):
    data = comparison_player(valley_race, 37)
    assert data["steps"][data["start_frame"]] == 37
    spec = data["figures"][0]
    first = marker_rows(data)[0][0]
    assert spec["data"][first]["x"] == [float(valley_race.trajectories[0].params[37, 0])]


def test_loss_panel_shows_the_gap_to_the_minimum_on_a_log_axis(valley_race):
    spec = comparison_spec(valley_race, 0)
    layout = spec["layout"]
    assert layout["yaxis2"]["type"] == "log"
    assert "f − f_min" in layout["yaxis2"]["title"]["text"]
    assert "log scale" in layout["yaxis2"]["title"]["text"]
    floor = comparison_floor(valley_race)
    assert layout["yaxis2"]["range"][0] == pytest.approx(math.log10(floor))
    curves = [t for t in spec["data"] if t.get("xaxis") == "x2" and t["mode"] == "lines+markers"]
    for curve, t in zip(curves, valley_race.trajectories, strict=True):
        np.testing.assert_array_equal(arr(curve["customdata"]), t.loss - valley_race.f_min)
        y = arr(curve["y"])
        shown = y >= floor
        np.testing.assert_array_equal(y[shown], t.loss[shown])
        assert np.all(y[~shown] < floor)  # below the floor: off the bottom edge


def test_loss_panel_is_linear_f_without_a_minimum():
    result = compare(CompareSettings.for_function("saddle"))
    spec = comparison_spec(result, 0)
    assert spec["layout"]["yaxis2"]["type"] == "linear"
    assert spec["layout"]["yaxis2"]["title"]["text"].startswith("f (linear")
    assert "minimum" not in names(spec)
    lo, hi = spec["layout"]["yaxis2"]["range"]
    assert all(lo <= v <= hi for t in result.trajectories for v in t.loss)


def test_read_outs_give_every_optimizers_loss_at_the_step(valley_race):
    data = comparison_player(valley_race, 0)
    frame = data["steps"].index(10)
    readouts = data["readouts"]
    assert [r["label"] for r in readouts] == [OPTIMIZERS[n].title for n, _ in VALLEY_RACE.runs]
    for r, t in zip(readouts, valley_race.trajectories, strict=True):
        assert len(r["values"]) == len(data["steps"])
        assert r["values"][frame] == f"{t.loss[10] - valley_race.f_min:.3g}"
    (sentence,) = data["sentences"]
    assert sentence["template"].startswith("Step {step}: f − f_min of ")
    for r in readouts:
        assert f"{r['label']} {{{r['id']}}}" in sentence["template"]
    assert data["labels"][0].startswith("The level lines of f = ")


def test_paths_minima_and_start(valley_race):
    spec = comparison_spec(valley_race, 0)
    paths = [t for t in spec["data"] if t.get("legendgroup") in OPTIMIZERS]
    paths = [t for t in paths if t["mode"] == "lines+markers"]
    paths = [t for t in paths if t["xaxis"] == "x"]
    for path, t in zip(paths, valley_race.trajectories, strict=True):
        np.testing.assert_array_equal(arr(path["x"]), t.params[:, 0])
        np.testing.assert_array_equal(arr(path["y"]), t.params[:, 1])
    minimum = spec["data"][names(spec).index("minimum")]
    assert (minimum["x"], minimum["y"]) == ([0.0], [0.0])
    start = spec["data"][names(spec).index("start")]
    assert (start["x"], start["y"]) == ([2.5], [-1.0])


def test_large_arrays_travel_as_typed_arrays(valley_race):
    """As on the main page: paths, loss curves and contour lines are base64, not text."""
    spec = comparison_spec(valley_race, 0)
    large = [t for t in spec["data"] if t["mode"].startswith("lines")]
    assert len(large) == 2 * len(VALLEY_RACE.runs) + len(contours(spec))
    for trace in large:
        assert isinstance(trace["x"], dict) and trace["x"]["dtype"] == "f8"
        assert isinstance(trace["y"], dict) and trace["y"]["dtype"] == "f8"


@pytest.mark.parametrize("function", sorted(TEST_FUNCTIONS))
def test_contour_is_scatter_lines_of_f_outside_every_frame(function):
    """Level lines, not a contour trace (which redraw-free animations drop), on the contour
    panel, hovering their level of f, and never moved by a frame: they stay while Play runs."""
    result = compare(CompareSettings.for_function(function))
    spec = comparison_spec(result, 0)
    lines = contours(spec)
    assert len(lines) >= 10
    assert not any(t["type"] in ("contour", "heatmap") for t in spec["data"])
    assert "images" not in spec["layout"]
    fn = result.function
    for trace in lines:
        assert (trace["type"], trace["mode"]) == ("scatter", "lines")
        assert (trace["xaxis"], trace["yaxis"]) == ("x", "y")
        level = float(trace["hovertemplate"].removeprefix("loss = ").split("<")[0])
        xs, ys = arr(trace["x"]), arr(trace["y"])
        points = np.column_stack((xs, ys))[np.isfinite(xs)][::50]
        f = [fn.value(p) for p in points]
        # Linear interpolation on the grid: every point lies on its level to a few percent.
        np.testing.assert_allclose(f, level, rtol=0.05, atol=1e-3 * np.ptp(result.grid.z))
    contour_indices = {i for i, t in enumerate(spec["data"]) if t.get("legendgroup") == "contours"}
    moved = {m["trace"] for m in comparison_player(result, 0)["moving"]}
    assert contour_indices.isdisjoint(moved)
    assert sum(t["showlegend"] for t in lines) == 1  # one legend entry for all of them


def test_contour_levels_follow_the_start_or_spread_evenly_without_a_minimum(valley_race):
    z = valley_race.grid.z
    levels = contour_levels(valley_race)
    above = levels - z.min()
    ratios = above[1:] / above[:-1]
    np.testing.assert_allclose(ratios, ratios[0])  # geometric above the lowest f in view
    assert above[0] == pytest.approx(1e-2 * (valley_race.start_loss - z.min()))
    assert levels[-1] < z.max()
    saddle = compare(CompareSettings.for_function("saddle"))
    even = contour_levels(saddle)
    np.testing.assert_allclose(np.diff(even), np.diff(even)[0])
    assert saddle.grid.z.min() < even[0] and even[-1] < saddle.grid.z.max()
    hovered = [t["hovertemplate"] for t in contours(comparison_spec(saddle, 0))]
    assert hovered == [f"loss = {v:.6g}<extra></extra>" for v in even]


def test_no_optimizers_still_draws_the_function():
    result = compare(CompareSettings(runs=()))
    data = comparison_player(result, 0)
    spec = data["figures"][0]
    go.Figure(spec)
    assert data["steps"] == [0] and data["moving"] == [] and data["readouts"] == []
    assert "start" in names(spec)


def test_every_curve_has_its_colour_dash_and_marker(valley_race):
    """Never colour alone: each optimizer's path, loss curve and moving markers carry its
    registry row's colour, dash and marker shape; the legend entry (the path) shows all three."""
    spec = comparison_spec(valley_race, 0)
    for name, _ in VALLEY_RACE.runs:
        style = OPTIMIZERS[name].style
        mine = [t for t in spec["data"] if t.get("legendgroup") == name]
        lines = [t for t in mine if t["mode"] == "lines+markers"]
        assert len(lines) == 2  # the path and the loss curve
        for t in lines:
            assert (t["line"]["color"], t["line"]["dash"]) == (style.color, style.dash)
            assert (t["marker"]["symbol"], t["marker"]["color"]) == (style.marker, style.color)
            assert t["marker"]["maxdisplayed"] == MARKERS_ON_LINE
        markers = [t for t in mine if t["mode"] == "markers"]
        assert [m["marker"]["symbol"] for m in markers] == [style.marker] * 2
        assert [t.get("showlegend", True) for t in mine].count(True) == 1
    styles = {(s.color, s.dash, s.marker) for s in (OPTIMIZERS[n].style for n in OPTIMIZERS)}
    assert len({c for c, _, _ in styles}) == len({d for _, d, _ in styles}) == len(OPTIMIZERS)


# --------------------------------------------------------------------------------------------
# A typed function
# --------------------------------------------------------------------------------------------


def test_the_typed_valley_races_exactly_like_the_built_in_one():
    typed = compare(replace(VALLEY_RACE, function=CUSTOM, fn="x^2 + x*y + y^2"))
    built_in = compare(VALLEY_RACE)
    for a, b in zip(typed.trajectories, built_in.trajectories, strict=True):
        np.testing.assert_allclose(a.params, b.params, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a.loss, b.loss, rtol=0, atol=1e-12)
    assert typed.function.minima == ((0.0, 0.0),) and typed.f_min == 0.0
    assert [s.reached_at for s in typed.summaries] == [s.reached_at for s in built_in.summaries]


def test_a_typed_function_is_stored_normalised_and_round_trips():
    s = CompareSettings.for_function(CUSTOM, fn="sin(x)*cos(y) + 0.1*(x^2+y^2)", span=4.5)
    assert s.fn == "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    query = to_query(s)
    assert query["function"] == "custom" and query["fn"] == s.fn and query["span"] == "4.5"
    assert "kappa" not in query
    assert from_query(query) == (s, [])
    assert "fn" not in to_query(CompareSettings()) and "span" not in to_query(CompareSettings())


def test_a_typed_function_has_its_window_and_start():
    s = CompareSettings.for_function(CUSTOM, fn="x**2 + 3*y**2", span=2.0, x0=1.5, y0=1.0)
    fn = s.objective()
    assert fn.window == ((-2.0, 2.0), (-2.0, 2.0)) and fn.start == (1.5, 1.0)
    result = compare(s)
    assert all(t.params[0].tolist() == [1.5, 1.0] for t in result.trajectories)
    (x_lo, x_hi), (y_lo, y_hi) = result.grid.window
    assert x_lo <= -2 and x_hi >= 2 and y_lo <= -2 and y_hi >= 2


def test_a_link_with_only_fn_means_the_typed_function():
    s, notes = from_query({"fn": "x**2 + 3*y**2"})
    assert (s.function, s.fn, notes) == (CUSTOM, DEFAULT_FORMULA, [])
    s, notes = from_query({"function": "rosenbrock", "fn": "junk(", "span": "9"})
    assert s == CompareSettings.for_function("rosenbrock") and notes == []


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("__import__('os')", "quotes"),
        ("9**9**9", "exponent"),
        ("x" * 10_240, "10,240 characters"),
        ("x.__class__", "Attribute access"),
        ("z + 1", "Unknown name 'z'"),
    ],
)
def test_a_refused_formula_in_a_link_is_a_note_and_falls_back(raw, words):
    s, notes = from_query({"function": "custom", "fn": raw})
    assert s.function == CUSTOM and s.fn == DEFAULT_FORMULA
    [note] = notes
    assert note.startswith("Ignored fn=") and words in note and DEFAULT_FORMULA in note
    assert len(note) < 600  # the 10 kB input is quoted shortened


def test_settings_refuse_a_formula_the_parser_refuses():
    with pytest.raises(GdvizError, match="Unknown name"):
        CompareSettings(function=CUSTOM, fn="q")


def test_typed_quadratics_start_at_half_the_stability_limit():
    rates, reason = typed_rates("x**2 + 3*y**2")  # H = diag(2, 6): λmax = 6
    assert rates["gd"] == pytest.approx(1 / 6, rel=0.07) and rates["gd"] <= 1 / 6
    mu = OPTIMIZERS["momentum"].hyperparameter("momentum").default
    assert rates["momentum"] <= 0.5 * 2 * (1 + mu) / 6
    assert rates["momentum"] == pytest.approx(0.5 * 2 * (1 + mu) / 6, rel=0.07)
    assert rates["nesterov"] <= 0.5 * 2 * (1 + mu) / ((1 + 2 * mu) * 6)
    for name in ("adagrad", "rmsprop", "adam"):
        assert rates[name] == OPTIMIZERS[name].learning_rates["valley"]
    assert "quadratic" in reason and "λmax = 6" in reason
    result = compare(CompareSettings.for_function(CUSTOM, fn="x**2 + 3*y**2"))
    assert [s.status for s in result.summaries if s.status == "diverged"] == []
    assert dict(result.settings.runs) == {n: rates[n] for n in DEFAULT_OPTIMIZERS}


@pytest.mark.parametrize("formula", ["sin(x)*cos(y) + 0.1*(x**2 + y**2)", "x**2 - y**2"])
def test_other_typed_functions_borrow_the_valleys_rates(formula):
    rates, reason = typed_rates(formula)
    assert rates == {n: OPTIMIZERS[n].learning_rates["valley"] for n in OPTIMIZERS}
    assert "valley" in reason
    assert parse_function(formula).minima == ()
