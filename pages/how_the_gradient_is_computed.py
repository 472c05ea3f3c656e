"""How the gradient is computed: each point's residual and its share of ∂L/∂m and ∂L/∂b, for
the main page's data, loss and step (wiring only).

Flow: URL (the main page's parameters, plus `point`) or, within a session, the main page's last
settings -> widgets -> LineFitSettings -> cached run -> the lesson at the chosen step
(gdviz.linefit.gradient) -> charts, formulas, table -> the settings back into the URL.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from gdviz.data import Points
from gdviz.errors import GdvizError
from gdviz.linefit.gradient import (
    GradientFocus,
    GradientLesson,
    from_query,
    gradient_lesson,
    observation,
    table_columns,
    table_csv,
    to_query,
)
from gdviz.linefit.run import LineFitRun, run_line_fit
from gdviz.linefit.settings import (
    DEFAULT_DATASET,
    GENERATE,
    UPLOAD,
    LineFitSettings,
    LineFitView,
)
from gdviz.losses import LOSS_RECORDS
from gdviz.samples import SAMPLES
from gdviz.ui import page as ui
from gdviz.ui.lesson_data import lesson_points
from gdviz.views.gradient import (
    bars_spec,
    bars_words,
    exercise_latex,
    loss_comparison_latex,
    robust_latex,
    scatter_spec,
    scatter_words,
    selected_point,
)
from gdviz.views.linefit import PlainFigure
from gdviz.views.text import escape_markdown

PAGE = "gradient"
MAIN_PAGE_LAST = "_fit_last"  # the main page's (settings, view), as gdviz.ui.page.finish keeps it
ADOPTED = "_gradient_adopted"  # the main page's records this page last took over
DATASETS = {name: s.title for name, s in SAMPLES.items()} | {
    GENERATE: "Generated points (as on the main page)",
    UPLOAD: "The file uploaded on the main page",
}
# Widget keys: prefixed, so they never meet the main page's.
K = {
    "dataset": "grad_dataset",
    "loss": "grad_loss",
    "delta": "grad_delta",
    "lr": "grad_lr",
    "step": "grad_step",
    "slider": "grad_step_slider",
    "point": "grad_point",
}
MAX_TABLE_ROWS = 10_000
MAX_STYLED_ROWS = 2_000  # the focus row is coloured up to here; beyond, it is shown on its own


# ---------------------------------------------------------------------------------------------
# State: the link on a first visit, the main page's settings when they changed, else our own
# ---------------------------------------------------------------------------------------------


def last_records() -> tuple[tuple[LineFitSettings, LineFitView, GradientFocus], list[str]]:
    """The records to show: on a first visit the link's; when the main page ran with other
    settings since this page last looked, the main page's (same data, loss and step)."""
    records, notes = ui.url_state(PAGE, from_query)
    main = st.session_state.get(MAIN_PAGE_LAST)
    if main is not None and main != st.session_state.get(ADOPTED):
        st.session_state[ADOPTED] = main
        settings, view = main
        records = (settings, view, GradientFocus())
        for key in K.values():  # the widgets take the main page's values
            st.session_state.pop(key, None)
    return records, notes


def seed_widgets(settings: LineFitSettings, view: LineFitView, focus: GradientFocus) -> None:
    ui.ensure(K["dataset"], settings.dataset)
    ui.ensure(K["loss"], settings.loss)
    ui.ensure(K["delta"], settings.delta)
    ui.ensure(K["lr"], settings.lr)
    ui.ensure(K["step"], view.step)
    ui.ensure(K["point"], focus.point)


def on_data_change() -> None:
    sample = SAMPLES.get(st.session_state[K["dataset"]])
    if sample is not None:  # a rate that suits these data, as on the main page
        st.session_state[K["lr"]] = sample.lr
    st.session_state[K["step"]] = 0
    st.session_state[K["point"]] = 0


def on_step_slider() -> None:
    st.session_state[K["step"]] = st.session_state[K["slider"]]


def on_chart_select(key: str):
    """A click on a point or its bar puts that point in focus."""

    def pick() -> None:
        event = st.session_state.get(key)
        index = selected_point(getattr(event, "selection", None))
        if index is not None:
            st.session_state[K["point"]] = index + 1

    return pick


# ---------------------------------------------------------------------------------------------
# Cached work
# ---------------------------------------------------------------------------------------------


@ui.cached
def engine_run(data_key: str, _points: Points, settings: LineFitSettings) -> LineFitRun:
    return run_line_fit(_points, settings)


@ui.cached
def lesson_at(
    data_key: str, settings: LineFitSettings, step: int, point: int, _run: LineFitRun
) -> GradientLesson:
    return gradient_lesson(_run, step, point)


# ---------------------------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------------------------


def data_and_loss_controls(base: LineFitSettings) -> LineFitSettings:
    """The sidebar's data, loss and learning rate; everything else as the main page set it."""
    sb = st.sidebar
    sb.header("Data and loss")
    sb.selectbox(
        "Data set", list(DATASETS), format_func=DATASETS.get, key=K["dataset"],
        on_change=on_data_change,
    )  # fmt: skip
    sb.selectbox(
        "Loss", list(LOSS_RECORDS), format_func=lambda n: LOSS_RECORDS[n].title, key=K["loss"]
    )
    if LOSS_RECORDS[st.session_state[K["loss"]]].uses_delta:
        sb.number_input("Huber δ", 1e-9, 1e9, step=0.5, key=K["delta"], format="%g")
    sb.number_input(
        "Learning rate γ", min_value=1e-12, max_value=1e6, key=K["lr"], format="%g", step=None
    )
    s = st.session_state
    return replace(
        base, dataset=s[K["dataset"]], loss=s[K["loss"]], delta=s[K["delta"]], lr=s[K["lr"]]
    )


def step_and_point_controls(run: LineFitRun) -> tuple[int, int]:
    """The step shown and the point in focus (1-based; 0: the largest ∂L/∂m term), each
    clamped to what the run has, with a note in words."""
    sb = st.sidebar
    sb.header("Step and point")
    last = run.trajectory.steps
    state = st.session_state
    if state[K["step"]] > last:  # the link asked for more steps than this run has
        st.warning(
            f"Step {state[K['step']]:,} is past this run's last step {last:,} "
            f"({run.trajectory.status}); showing step {last:,}."
        )
        state[K["step"]] = last
    state[K["slider"]] = state[K["step"]]
    if last > 0:
        sb.slider("Step", 0, last, key=K["slider"], on_change=on_step_slider)
    sb.number_input("Step (exact)", 0, last, step=1, key=K["step"])
    n = run.points.n
    if state[K["point"]] > n:
        st.warning(f"Point {state[K['point']]:,} is past the last point {n:,}; showing it.")
        state[K["point"]] = n
    sb.number_input(
        "Point # (0: the largest ∂L/∂m term)",
        0,
        n,
        step=1,
        key=K["point"],
        help="Or click a point in the scatter or its bar.",
    )
    return int(state[K["step"]]), int(state[K["point"]])


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def headline(lesson: GradientLesson) -> None:
    c = lesson.contributions
    points = lesson.run.points
    names = f"{escape_markdown(points.x_name)} → {escape_markdown(points.y_name)}"
    units = " (x standardised: z = (x − x̄)/σ)" if lesson.standardized else ""
    st.caption(
        f"{c.n:,} points ({names}), {LOSS_RECORDS[c.loss].words}, step {lesson.step:,} of "
        f"{lesson.last_step:,}: m = {c.m:.6g}, b = {c.b:.6g}{units}. Each point's residual "
        "r = y − ŷ adds one term to each partial derivative; their sums are the gradient g."
    )


def charts(lesson: GradientLesson) -> None:
    left, right = st.columns((5, 7), gap="small")
    with left:
        st.plotly_chart(
            PlainFigure(scatter_spec(lesson)),
            key="grad_scatter",
            on_select=on_chart_select("grad_scatter"),
            selection_mode="points",
            alt=scatter_words(lesson),
            config={"displayModeBar": False},
        )
    with right:
        st.plotly_chart(
            PlainFigure(bars_spec(lesson)),
            key="grad_bars",
            on_select=on_chart_select("grad_bars"),
            selection_mode="points",
            alt=bars_words(lesson),
            config={"displayModeBar": False},
        )
    c, u, i = lesson.contributions, lesson.update, lesson.focus
    st.caption(
        f"Point #{i + 1} (orange): r = {c.r[i]:.6g}, its terms {c.d_m[i]:.4g} of ∂L/∂m and "
        f"{c.d_b[i]:.4g} of ∂L/∂b. The gradient g = ({c.grad_m:.6g}, {c.grad_b:.6g}); with "
        f"γ = {u.lr:g} the step −γ·g = ({u.step_m:.4g}, {u.step_b:.4g}) moves the line to "
        f"m = {u.m:.6g}, b = {u.b:.6g}. {lesson.step_note()}"
    )


def formulas(lesson: GradientLesson) -> None:
    c = lesson.contributions
    st.subheader("The exercise, with this step's numbers")
    n_words = (
        "every term" if lesson.exercise.hidden == 0 else "the first terms; the rest are summed"
    )
    st.caption(
        f"As the exercise builds it: go through every point, add up its term in diff, multiply "
        f"({n_words}). x is {lesson.x_label}."
    )
    for formula in exercise_latex(lesson):  # full width: the written-out sums are long
        st.latex(formula)
    robust = robust_latex(lesson)
    if robust:
        st.markdown(f"**{LOSS_RECORDS[c.loss].words.capitalize()}**: ψ replaces r in the sums.")
        for formula in robust:
            st.latex(formula)

    st.subheader("mse and sse at the same line, with the same γ")
    ratio = lesson.sse.grad_b / lesson.mse.grad_b if lesson.mse.grad_b else float("nan")
    st.caption(
        f"sse has no 1/N, so its gradient, and the step the same γ takes, are N = {c.n:,} times "
        f"mse's (here {ratio:.6g}×): a learning rate that suits mse overshoots on sse by that "
        "factor."
    )
    comparison = loss_comparison_latex(lesson)
    for column, (name, rows) in zip(st.columns(2), comparison.items(), strict=True):
        with column:
            st.markdown(f"**{name}**: {LOSS_RECORDS[name].words}")
            for formula in rows:
                st.latex(formula)


def what_it_shows(lesson: GradientLesson) -> None:
    st.subheader("What the numbers show")
    for sentence in observation(lesson):
        st.markdown("- " + escape_markdown(sentence))


def table(lesson: GradientLesson) -> None:
    st.subheader("Every point's numbers")
    columns = table_columns(lesson)
    n = lesson.n
    shown = min(n, MAX_TABLE_ROWS)
    frame = pd.DataFrame({name: values[:shown] for name, values in columns.items()})
    i = lesson.focus
    if n <= MAX_STYLED_ROWS:
        highlight = "background-color: #FCE3B0; font-weight: 600"
        styled = frame.style.apply(
            lambda row: [highlight if row.name == i else ""] * len(row), axis=1
        ).format(precision=6)
        st.dataframe(styled, width="stretch", height=280, hide_index=True)
        st.caption(f"Point #{i + 1} is highlighted. The sums of the last two columns are g.")
    else:
        st.dataframe(
            pd.DataFrame({name: values[i : i + 1] for name, values in columns.items()}),
            width="stretch",
            hide_index=True,
        )
        st.dataframe(frame, width="stretch", height=280, hide_index=True)
        more = f" (the first {shown:,} of {n:,} rows)" if shown < n else ""
        st.caption(f"Point #{i + 1} above, then every point{more}.")
    st.download_button(
        "The table as CSV (with the sums)",
        lambda: table_csv(lesson),
        file_name="gdviz_gradient_terms.csv",
        mime="text/csv",
        key="grad_download",
        on_click="ignore",
    )


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def points_or_fallback(settings: LineFitSettings) -> tuple[Points, str, LineFitSettings]:
    """The lesson's points; without an upload in this session, the default sample, said so."""
    found = lesson_points(settings)
    if found is not None:
        return (*found, settings)
    st.info(
        "No file has been uploaded in this session, so there is nothing to show for "
        f'"{DATASETS[UPLOAD]}": upload it on the main page (Fit a line). Showing the sample '
        f'"{SAMPLES[DEFAULT_DATASET].title}" meanwhile.'
    )
    fallback = replace(settings, dataset=DEFAULT_DATASET)
    points, key = lesson_points(fallback)
    return points, key, fallback


def main() -> None:
    (settings, view, focus), notes = last_records()
    seed_widgets(settings, view, focus)
    st.title("How the gradient is computed")
    ui.show_url_notes(notes)
    settings = data_and_loss_controls(settings)
    try:
        points, data_key, used = points_or_fallback(settings)
        run = engine_run(data_key, points, used)
    except GdvizError as error:
        ui.show_error("Cannot run with these settings", error)
        ui.finish(PAGE, (settings, view, focus), to_query(settings, view, focus))
        return
    step, point = step_and_point_controls(run)
    view, focus = replace(view, step=step), GradientFocus(point)
    try:
        lesson = lesson_at(data_key, used, step, point, run)
    except GdvizError as error:
        ui.show_error("Cannot show this step", error)
        ui.finish(PAGE, (settings, view, focus), to_query(settings, view, focus))
        return
    for note in lesson.notes:
        st.warning(escape_markdown(note))
    headline(lesson)
    charts(lesson)
    formulas(lesson)
    what_it_shows(lesson)
    table(lesson)
    query = to_query(settings, view, focus)
    ui.share_link(
        query, caption="This link opens this page as it is now (the main page reads it too):"
    )
    ui.finish(PAGE, (settings, view, focus), query)


main()
