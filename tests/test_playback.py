"""The player's data (gdviz.views.playback), its offline file (gdviz.views.offline) and the
Streamlit wrapper's server side (AppTest on the demo page)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import plotly
import pytest

from gdviz.errors import GdvizError
from gdviz.views.offline import offline_html
from gdviz.views.playback import (
    MAX_FRAMES,
    decode_array,
    fill_sentence,
    formatted,
    frame_of_step,
    moving_trace,
    player_data,
    readout,
    sentence_template,
    sentence_values,
    typed_array,
)

ROOT = Path(__file__).resolve().parents[1]


def figure(traces: int = 2) -> dict:
    return {"data": [{"type": "scatter", "x": [0, 1], "y": [0, 1]} for _ in range(traces)]}


def small_data(frames: int = 5, **options) -> dict:
    steps = [3 * k for k in range(frames)]
    values = np.linspace(1.0, 2.0, frames)
    return player_data(
        [figure()],
        steps,
        moving=[moving_trace(0, 1, x=values, y=np.column_stack((values, 2 * values)))],
        readouts=[readout("loss", "loss", values)],
        sentences=[sentence_template(0, "At step {step} the loss is {loss}.")],
        **options,
    )


@pytest.mark.parametrize("dtype", ["f8", "f4", "i4", "u1"])
@pytest.mark.parametrize("shape", [(7,), (4, 3), (1, 1)])
def test_typed_array_round_trip(dtype, shape):
    values = np.arange(np.prod(shape), dtype=float).reshape(shape) * 1.5
    spec = typed_array(values, dtype)
    back = decode_array(spec)
    assert back.shape == shape
    assert back.dtype == np.dtype("<" + dtype)
    np.testing.assert_array_equal(back, values.astype(dtype))
    assert ("shape" in spec) == (len(shape) > 1)


def test_typed_array_f8_is_exact_and_unknown_dtype_is_refused():
    values = np.array([0.1, 1 / 3, -2.5e-300, 1e308])
    assert decode_array(typed_array(values)).tolist() == values.tolist()
    with pytest.raises(GdvizError, match="dtype"):
        typed_array(values, "f16")


def test_moving_trace_rows_are_frames():
    spec = moving_trace(1, 4, x=[1.0, 2.0, 3.0], y=np.ones((3, 2)))
    assert (spec["figure"], spec["trace"]) == (1, 4)
    assert decode_array(spec["attrs"]["x"]).shape == (3, 1)
    assert decode_array(spec["attrs"]["y"]).shape == (3, 2)
    with pytest.raises(GdvizError, match="frames"):
        moving_trace(0, 0, x=np.ones((2, 2, 2)))
    with pytest.raises(GdvizError, match="attribute"):
        moving_trace(0, 0)


def test_readouts_equal_the_formatting_of_the_values():
    values = np.array([1234.5678, 1e-9, -0.5, np.inf])
    r = readout("loss", "loss", values, ".4g")
    assert r["values"] == [format(v, ".4g") for v in values]
    assert readout("m", "m", values, lambda v: f"{v:,.2f}")["values"][0] == "1,234.57"
    assert formatted([1, 2], "03d") == ["001", "002"]
    with pytest.raises(GdvizError, match="id"):
        readout("1st", "first", values)


def test_player_data_keys_and_sizes():
    data = small_data(frames=5, start_step=7)
    assert set(data) == {
        "figures", "steps", "moving", "readouts", "sentences", "labels", "widths",
        "start_frame", "speeds", "speed", "autoplay",
    }  # fmt: skip
    assert data["steps"] == [0, 3, 6, 9, 12]
    assert data["start_frame"] == 2  # step 7 is nearest to the frame at step 6
    assert data["labels"] == ["Chart 1"] and data["widths"] == [1.0]
    assert json.loads(json.dumps(data)) == data  # JSON-able as it is


def test_player_data_does_not_write_its_inputs():
    fig = {**figure(), "frames": []}
    before = json.dumps(fig)
    player_data([fig], [0, 1])
    assert json.dumps(fig) == before


@pytest.mark.parametrize("frames", [0, MAX_FRAMES + 1])
def test_frame_count_bounds(frames):
    with pytest.raises(GdvizError, match="frames"):
        player_data([figure()], range(frames))


def test_frame_count_limits_are_accepted():
    assert len(player_data([figure()], range(1))["steps"]) == 1
    assert len(player_data([figure()], range(MAX_FRAMES))["steps"]) == MAX_FRAMES


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps": [0, 2, 2, 3, 4]}, "increase"),
        ({"moving": [moving_trace(0, 5, x=np.ones(5))]}, "does not exist"),
        ({"moving": [moving_trace(0, 1, x=np.ones(4))]}, "4 frames, not 5"),
        ({"readouts": [readout("a", "a", range(4))]}, "4 values, not 5"),
        ({"readouts": [readout("a", "a", range(5)), readout("a", "b", range(5))]}, "unique"),
        ({"sentences": [sentence_template(0, "{nope} at {step}")]}, "nope"),
        ({"sentences": [sentence_template(3, "x")]}, "figure 3"),
        ({"sentences": [sentence_values(0, ["a"] * 4)]}, "5 values"),
        ({"labels": ["a", "b"]}, "one label"),
        ({"widths": [0.0]}, "positive"),
        ({"speed": "warp"}, "warp"),
        ({"figures": [{**figure(), "frames": [{"name": "0"}]}]}, "frames"),
        ({"figures": [{"layout": {}}]}, "list of traces"),
        ({"figures": []}, "at least one"),
    ],
)
def test_bad_data_gets_a_message(change, message):
    args = {"figures": [figure()], "steps": range(5), **change}
    with pytest.raises(GdvizError, match=message):
        player_data(args.pop("figures"), args.pop("steps"), **args)


def test_frame_of_step_snaps_to_the_nearest_frame():
    steps = [0, 1, 2, 4, 8, 16]
    assert [frame_of_step(steps, s) for s in (-5, 0, 3, 5, 6, 7, 12, 13, 99)] == [
        0, 0, 2, 3, 3, 4, 4, 5, 5,
    ]  # fmt: skip
    with pytest.raises(GdvizError):
        frame_of_step([], 3)


def test_fill_sentence_uses_the_readouts_text():
    assert fill_sentence("step {step}: {loss} {missing}", {"step": "3", "loss": "1.5"}) == (
        "step 3: 1.5 {missing}"
    )


# The offline file -----------------------------------------------------------------------


def test_offline_html_is_one_file_with_everything_inline():
    page = offline_html(small_data(), "Run <b>1</b>")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Run &lt;b&gt;1&lt;/b&gt;</title>" in page
    assert "<b>1</b>" not in page
    assert "window.Plotly" in page  # plotly.js itself
    assert "function mountPlayer" in page and "export default mountPlayer" not in page
    assert not re.search(r"""<(script|link)[^>]+(src|href)=""", page)  # nothing fetched


def test_offline_html_data_survives_hostile_text():
    data = small_data()
    data["readouts"][0]["label"] = "</script><script>alert(1)</script><!--"
    page = offline_html(data, "t")
    body = page.split('id="gdviz-player-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(body) == data  # read back whole by JSON.parse (same grammar)
    assert page.count("<script") == 3  # data, plotly.js, the player: no injected tag


# The Streamlit wrapper, server side -----------------------------------------------------


def test_demo_page_hands_the_start_step_back_to_the_url():
    from streamlit.testing.v1 import AppTest

    from gdviz.plotly_bundle import bundle_text

    digest = hashlib.sha256(bundle_text().encode()).hexdigest()[:12]

    at = AppTest.from_file(str(ROOT / "tests" / "player_demo_app.py"), default_timeout=60)
    at.query_params["step"] = "25"
    at.run()
    assert not at.exception
    assert at.query_params["step"] == "25"
    assert "Server sees step 25" in at.caption[0].value
    data = json.loads(at.get("bidi_component")[0].proto.json)
    assert data["start_frame"] == 25 and len(data["steps"]) == 200
    # plotly's version and the served file's digest: a new file is a new (cacheable) URL.
    assert data["plotly_src"].endswith(f"/plotly.min.js?v={plotly.__version__}.{digest}")
    assert data["plotly_gzip"].endswith(f"/plotly.min.js.gz?v={plotly.__version__}.{digest}")
