"""The learning rate: one line fit swept over 30–50 learning rates, and four of them replayed
(wiring only).

Flow: URL (or this session's main page) -> widgets -> LineFitSettings + SweepSettings ->
cached sweep lesson -> sweep chart, player, table -> both records back into the URL.
The data, loss, optimizer and start are the main page's, read with its own URL names.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from gdviz.data import Points
from gdviz.errors import GdvizError
from gdviz.linefit.points import points_for
from gdviz.linefit.settings import DEFAULT_DATASET, MAX_PAGE_STEPS, UPLOAD, LineFitSettings
from gdviz.linefit.sweep_lesson import (
    BAND_MEANINGS,
    MAX_COUNT,
    MIN_COUNT,
    SweepLesson,
    SweepRun,
    SweepSettings,
    from_query,
    good_band_words,
    limit_words,
    main_page_query,
    replay,
    run_words,
    summary_counts,
    sweep_line_fit,
    to_query,
)
from gdviz.losses import LOSS_RECORDS
from gdviz.optimizers import OPTIMIZERS
from gdviz.samples import SAMPLES
from gdviz.ui import page as ui
from gdviz.ui.lesson_data import lesson_points
from gdviz.ui.player import player
from gdviz.views.linefit import PlainFigure
from gdviz.views.sweep import examples_player, sweep_sentence, sweep_spec
from gdviz.views.text import escape_markdown

PAGE = "learning_rate"
MAIN_PAGE = "fit"  # the main page's records live in st.session_state["_fit_last"]
# Widget keys: prefixed, so they never meet the main page's keys.
KEYS = {
    "loss": "rate_loss",
    "delta": "rate_delta",
    "optimizer": "rate_optimizer",
    "scale": "rate_scale",
    "steps": "rate_steps",
    "tol": "rate_tol",
}
SWEEP_KEYS = {"lr_min": "rate_lr_min", "lr_max": "rate_lr_max", "count": "rate_count"}
PICK_KEY = "rate_pick"
BASE = "_rate_base"  # the line fit this page started from (data, start, generator, ...)
SEEN_MAIN = "_rate_seen_main"  # the main page's settings this page last adopted


# ---------------------------------------------------------------------------------------------
# State: the URL on a first visit, the main page's settings when they changed since
# ---------------------------------------------------------------------------------------------


def decode(query: dict) -> tuple[LineFitSettings, SweepSettings, list[str]]:
    """The URL's records; a bare URL in a session that ran the main page takes its settings."""
    settings, sweep_settings, notes = from_query(query)
    main = st.session_state.get(f"_{MAIN_PAGE}_last")
    named = set(query) & set(main_page_query(LineFitSettings()))
    if main is not None and not named:
        settings = main[0]
    return settings, sweep_settings, notes


def hyper_key(name: str) -> str:
    return f"rate_h_{name}"


def seed_widgets(settings: LineFitSettings, sweep_settings: SweepSettings, *, force=False):
    """Give every widget its value from the records (all of them when `force`)."""
    put = st.session_state.__setitem__ if force else ui.ensure
    for field, key in KEYS.items():
        put(key, getattr(settings, field))
    for name, value in settings.hyperparameters().items():
        put(hyper_key(name), value)
    for field, key in SWEEP_KEYS.items():
        put(key, getattr(sweep_settings, field))
    if force or BASE not in st.session_state:
        st.session_state[BASE] = settings
        st.session_state["_rate_pick_value"] = sweep_settings.pick


def page_state() -> list[str]:
    """Seed the widgets; adopt the main page's settings when they changed there since this
    page last looked (the person went back, changed the data, and came here again)."""
    (settings, sweep_settings), notes = ui.url_state(PAGE, decode)
    seed_widgets(settings, sweep_settings)
    main = st.session_state.get(f"_{MAIN_PAGE}_last")
    if main is None:
        return notes
    seen = st.session_state.get(SEEN_MAIN)
    st.session_state[SEEN_MAIN] = main[0]
    if seen is not None and seen != main[0]:
        seed_widgets(main[0], replace(sweep_settings, pick=0.0), force=True)
    return notes


def on_problem_change() -> None:
    """A new loss, optimizer, scaling or budget makes a new sweep: show its own best rate."""
    st.session_state["_rate_pick_value"] = 0.0
    optimizer = st.session_state[KEYS["optimizer"]]
    for h in OPTIMIZERS[optimizer].hyperparameters:
        st.session_state[hyper_key(h.name)] = h.default


def on_pick() -> None:
    st.session_state["_rate_pick_value"] = float(st.session_state[PICK_KEY])


def current_settings() -> tuple[LineFitSettings, SweepSettings]:
    s = st.session_state
    values = {field: s[key] for field, key in KEYS.items()}
    spec = OPTIMIZERS[values["optimizer"]]
    hyper = tuple((h.name, s.get(hyper_key(h.name), h.default)) for h in spec.hyperparameters)
    settings = replace(s[BASE], **values, hyper=hyper)
    sweep_settings = SweepSettings(
        **{field: s[key] for field, key in SWEEP_KEYS.items()}, pick=s["_rate_pick_value"]
    )
    return settings, sweep_settings


# ---------------------------------------------------------------------------------------------
# Cached work
# ---------------------------------------------------------------------------------------------


# Runs are immutable records (shared); a new pick replays four rates, never the whole sweep.
@ui.cached
def swept(data_key: str, _points: Points, settings: LineFitSettings, sweep_settings) -> SweepRun:
    return sweep_line_fit(_points, settings, replace(sweep_settings, pick=0.0))


@ui.cached
def lesson_for(
    data_key: str, _points: Points, settings: LineFitSettings, sweep_settings: SweepSettings
) -> SweepLesson:
    base = replace(sweep_settings, pick=0.0)
    return replay(_points, swept(data_key, _points, settings, base), sweep_settings.pick)


@ui.cached_copy
def figures(data_key: str, settings, sweep_settings, _lesson: SweepLesson) -> tuple[dict, dict]:
    """Both figures, keyed by what determines `_lesson`."""
    return sweep_spec(_lesson), examples_player(_lesson)


# ---------------------------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------------------------


def the_points(settings: LineFitSettings) -> tuple[Points, str, str]:
    """The main page's points, their cache key and data set; an upload only from this
    session, else the default sample, said in words."""
    found = lesson_points(settings)
    if found is not None:
        return found[0], found[1], settings.dataset
    st.info(
        "The link names an uploaded file, and uploads cannot travel in a link: upload it on "
        "the Fit a line page in this session. Until then this page shows the sample data."
    )
    fallback = replace(settings, dataset=DEFAULT_DATASET)
    return points_for(fallback), f"sample:{DEFAULT_DATASET}", DEFAULT_DATASET


def data_caption(settings: LineFitSettings, points: Points) -> None:
    sb = st.sidebar
    sb.header("Data")
    if settings.dataset in SAMPLES:
        name = SAMPLES[settings.dataset].title
    elif settings.dataset == UPLOAD:
        name = "the file uploaded on the Fit a line page"
    else:
        name = "generated points"
    names = f"{escape_markdown(points.x_name)}, {escape_markdown(points.y_name)}"
    sb.caption(f"{escape_markdown(name)}: {points.n:,} points ({names}). Start (m₀, b₀) = "
               f"({settings.m0:g}, {settings.b0:g}), as on the Fit a line page.")  # fmt: skip


def problem_controls() -> None:
    sb = st.sidebar
    sb.header("Loss and optimizer")
    sb.selectbox(
        "Loss",
        list(LOSS_RECORDS),
        format_func=lambda name: LOSS_RECORDS[name].title,
        key=KEYS["loss"],
        on_change=on_problem_change,
    )
    if LOSS_RECORDS[st.session_state[KEYS["loss"]]].uses_delta:
        sb.number_input("Huber δ", 1e-9, 1e9, key=KEYS["delta"], format="%g", step=None)
    sb.selectbox(
        "Optimizer",
        list(OPTIMIZERS),
        format_func=lambda k: OPTIMIZERS[k].title,
        key=KEYS["optimizer"],
        on_change=on_problem_change,
    )
    for h in OPTIMIZERS[st.session_state[KEYS["optimizer"]]].hyperparameters:
        label = f"{h.name} — {h.help}" if h.help else h.name
        if h.is_flag:
            sb.toggle(label, key=hyper_key(h.name))
        else:
            sb.number_input(
                label, float(h.low), float(h.high), key=hyper_key(h.name), format="%g", step=None
            )
    sb.toggle(
        "Standardise x",
        key=KEYS["scale"],
        on_change=on_problem_change,
        help="Descend on z = (x − mean)/std: a round valley, so one rate suits both directions.",
    )
    sb.number_input("Steps per run", 1, MAX_PAGE_STEPS, step=100, key=KEYS["steps"])
    sb.number_input(
        "Stop when the gradient's length ≤",
        min_value=0.0,
        max_value=1e6,
        key=KEYS["tol"],
        format="%g",
        step=None,
        help="The tolerance that 'steps to tolerance' counts to. 0 runs every step.",
    )


def sweep_controls() -> None:
    sb = st.sidebar
    sb.header("The sweep")
    sb.slider("Learning rates", MIN_COUNT, MAX_COUNT, key=SWEEP_KEYS["count"])
    left, right = sb.columns(2)
    left.number_input(
        "Smallest γ", 0.0, 1e6, key=SWEEP_KEYS["lr_min"], format="%g", step=None,
        help="0: a thousandth of the stability limit.",
    )  # fmt: skip
    right.number_input(
        "Largest γ", 0.0, 1e6, key=SWEEP_KEYS["lr_max"], format="%g", step=None,
        help="0: three times the stability limit.",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Main area
# ---------------------------------------------------------------------------------------------


def pick_panel(lesson: SweepLesson) -> None:
    """Beside the sweep: choose the rate to replay, and what happened at it."""
    rates = lesson.sweep.lrs.tolist()
    if st.session_state.get(PICK_KEY) not in rates:
        st.session_state[PICK_KEY] = rates[lesson.pick]
    st.select_slider(
        "Learning rate to replay (your pick)",
        rates,
        key=PICK_KEY,
        format_func=lambda v: f"{v:.3g}",
        on_change=on_pick,
    )
    st.markdown(escape_markdown(run_words(lesson, lesson.pick)))
    band = lesson.sweep.bands[lesson.pick]
    if band:
        st.caption(f"**{band}**: {BAND_MEANINGS[band]}.")


def explanations(lesson: SweepLesson) -> None:
    st.markdown(escape_markdown(summary_counts(lesson.sweep)))
    if words := good_band_words(lesson):
        st.info(escape_markdown(words))
    st.markdown("**What the curvature says.** " + escape_markdown(limit_words(lesson)))
    if lesson.sweep.limits.has_bands:
        st.markdown(
            "\n".join(f"- **{band}**: {meaning}." for band, meaning in BAND_MEANINGS.items())
        )
    if lesson.sweep.tol == 0:
        st.caption("The tolerance is 0, so no run stops early: there is no steps curve.")


def rates_table(lesson: SweepLesson) -> None:
    rows = [
        {
            "learning rate": r.lr,
            "status": r.status.replace("_", " "),
            "final loss": r.final_loss,
            "steps to tolerance": r.steps_to_tol,
            "diverged at": r.diverged_at,
            "band": r.band or "",
        }
        for r in lesson.sweep.results
    ]
    with st.expander(f"Every learning rate ({len(rows)} runs)"):
        st.dataframe(pd.DataFrame(rows), width="stretch", height=280, hide_index=True)


def links(settings: LineFitSettings, query: dict[str, str]) -> None:
    ui.share_link(query, caption="This link reproduces the page (the address bar holds it too):")
    st.caption(
        "The same data, loss, optimizer and start on the main page: "
        "[Fit a line](./?"
        + "&".join(f"{k}={v}" for k, v in main_page_query(settings).items())
        + ")."
    )


def main() -> None:
    st.set_page_config(page_title="gdviz · the learning rate", layout="wide")
    notes = page_state()
    st.title("Which learning rate?")
    st.caption(
        "Same fit, same start, many learning rates: too small crawls, too big explodes. "
        "Pick one to replay it below."
    )
    ui.show_url_notes(notes)
    points, data_key, dataset = the_points(st.session_state[BASE])
    data_caption(replace(st.session_state[BASE], dataset=dataset), points)
    problem_controls()
    sweep_controls()
    settings, sweep_settings = current_settings()
    settings = replace(settings, dataset=dataset)

    try:
        with st.spinner("Running every learning rate…"):
            lesson = lesson_for(data_key, points, settings, sweep_settings)
    except GdvizError as error:
        ui.show_error("Cannot sweep with these settings", error)
        ui.finish(PAGE, (settings, sweep_settings), to_query(settings, sweep_settings))
        return
    for note in lesson.notes:
        st.caption(escape_markdown(note))

    sweep_figure, replay = figures(data_key, settings, lesson.sweep_settings, lesson)
    left, right = st.columns((5, 2))
    left.plotly_chart(
        PlainFigure(sweep_figure), key="sweep", config={"displaylogo": False},
        alt=sweep_sentence(lesson),
    )  # fmt: skip
    with right:
        pick_panel(lesson)
    player(replay, key="rate_player", hand_back=False)
    explanations(lesson)
    rates_table(lesson)
    query = to_query(settings, lesson.sweep_settings)
    links(settings, query)
    ui.finish(PAGE, (settings, lesson.sweep_settings), query)


main()
