"""Fit a line: watch gradient descent fit y = m·x + b, step by step (wiring only).

Flow: URL -> widgets -> LineFitSettings (+ LineFitView) -> cached run -> figures -> page, and
both records back into the URL, so the address always reproduces what is on screen.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import fields

import pandas as pd
import streamlit as st

from gdviz.data import (
    Points,
    Table,
    choose_columns,
    generate_points,
    load_csv,
    read_table,
    upload_rules_text,
)
from gdviz.errors import GdvizError
from gdviz.linefit.export import (
    EMBED_LIMIT,
    DataSource,
    data_csv,
    numpy_script,
    trajectory_csv,
)
from gdviz.linefit.run import (
    LineFitRun,
    Stability,
    converging_lr,
    run_line_fit,
)
from gdviz.linefit.settings import (
    GENERATE,
    MAX_GENERATED_POINTS,
    MAX_PAGE_STEPS,
    UPLOAD,
    LineFitSettings,
    LineFitView,
    from_query,
    to_query,
)
from gdviz.losses import LOSS_RECORDS
from gdviz.optimizers import OPTIMIZERS, OptimizerSpec
from gdviz.samples import SAMPLES
from gdviz.ui import page as ui
from gdviz.ui.player import player
from gdviz.views.linefit_player import lesson_player, outcome_words
from gdviz.views.offline import offline_html
from gdviz.views.text import escape_markdown

PAGE = "fit"
DATASETS = {name: s.title for name, s in SAMPLES.items()} | {
    GENERATE: "Generate points",
    UPLOAD: "Upload a CSV file",
}
# Learning rates offered on the log-scale slider: 1, 2, 5 per decade from 1e-8 to 10.
LR_CHOICES = tuple(float(f"{m}e{e}") for e in range(-8, 2) for m in (1, 2, 5))
SETTINGS_KEYS = tuple(f.name for f in fields(LineFitSettings) if f.name != "hyper")
VIEW_KEYS = tuple(f.name for f in fields(LineFitView))
UPLOAD_LIMIT_MB = 20  # matches server.maxUploadSize in .streamlit/config.toml
UPLOAD_TYPES = ("csv", "txt", "tsv")


# ---------------------------------------------------------------------------------------------
# State: seeded from the URL once, then owned by the widgets
# ---------------------------------------------------------------------------------------------


def seed_widgets() -> list[str]:
    """Seed every widget from the records this page last ran with (on a first visit, the
    URL's); returns the notes on what the URL held that was not used."""
    (settings, view), notes = ui.url_state(PAGE, from_query)
    for key in SETTINGS_KEYS:
        ui.ensure(key, getattr(settings, key))
    for key in VIEW_KEYS:
        ui.ensure(key, getattr(view, key))
    for name, value in settings.hyperparameters().items():
        ui.ensure(name, value)
    ui.ensure("lr_log", nearest_lr_choice(settings.lr))
    return notes


def nearest_lr_choice(lr: float) -> float:
    """The log slider's stop nearest to `lr` (its lowest stop for a rate that is not > 0,
    which the run refuses in words)."""
    if not lr > 0:
        return LR_CHOICES[0]
    return min(LR_CHOICES, key=lambda c: abs(math.log10(c) - math.log10(lr)))


def on_lr_slider() -> None:
    st.session_state["lr"] = st.session_state["lr_log"]


def on_lr_number() -> None:
    st.session_state["lr_log"] = nearest_lr_choice(st.session_state["lr"])


def on_dataset_change() -> None:
    sample = SAMPLES.get(st.session_state["dataset"])
    if sample is not None:  # start from a learning rate that suits these data
        st.session_state["lr"] = sample.lr
        st.session_state["lr_log"] = nearest_lr_choice(sample.lr)
    st.session_state["step"] = 0


def on_optimizer_change() -> None:
    """Each optimizer starts from its own documented defaults (momentum is 0.9 for momentum,
    0 for rmsprop), not from whatever the previous optimizer had."""
    for h in OPTIMIZERS[st.session_state["optimizer"]].hyperparameters:
        st.session_state[h.name] = h.default
    st.session_state["step"] = 0


def reset_step() -> None:
    st.session_state["step"] = 0


def current_settings() -> LineFitSettings:
    values = {key: st.session_state[key] for key in SETTINGS_KEYS}
    spec = OPTIMIZERS[values["optimizer"]]
    hyper = tuple((h.name, st.session_state.get(h.name, h.default)) for h in spec.hyperparameters)
    return LineFitSettings(**values, hyper=hyper)


# ---------------------------------------------------------------------------------------------
# Cached work (engine and figures); inputs are immutable records and read-only arrays
# ---------------------------------------------------------------------------------------------


@ui.cached
def sample_points(name: str) -> Points:
    sample = SAMPLES[name]
    return load_csv(sample.path, x=sample.x, y=sample.y)


@ui.cached
def generated_points(
    n: int, slope: float, intercept: float, noise: float, x_min: float, x_max: float, seed: int
) -> Points:
    return generate_points(n, slope, intercept, noise, x_min, x_max, seed)


@ui.cached
def uploaded_table(digest: str, _content: bytes) -> Table:
    """Parsed once per distinct file (keyed by its SHA-256, not by hashing the bytes again)."""
    return read_table(_content)


# Engine runs are immutable (frozen records, read-only arrays), so they are shared, not copied;
# the figure specs are dicts and each session gets its own copy.
@ui.cached
def engine_run(data_key: str, _points: Points, settings: LineFitSettings) -> LineFitRun:
    return run_line_fit(_points, settings)


# Shared, not copied per session: nothing writes into it (the player wrapper adds its keys to
# a new dict), and a 0.3 MB copy on every rerun would be the rerun's largest cost.
@ui.cached
def lesson_data(
    data_key: str, settings: LineFitSettings, view: LineFitView, _run: LineFitRun
) -> dict:
    """The player's data, keyed by what determines `_run` (data and settings) and the view."""
    return lesson_player(_run, view)


# ---------------------------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------------------------


def data_controls() -> tuple[Points | None, str, DataSource | None]:
    """The data section; returns (points, cache key, script source) or None on a bad upload."""
    st.sidebar.header("Data")
    st.sidebar.selectbox(
        "Data set",
        list(DATASETS),
        format_func=DATASETS.get,
        key="dataset",
        on_change=on_dataset_change,
    )
    dataset = st.session_state["dataset"]
    if dataset in SAMPLES:
        sample = SAMPLES[dataset]
        st.sidebar.caption(sample.description)
        points = sample_points(dataset)
        return points, f"sample:{dataset}", DataSource.sample(dataset, points.n)
    if dataset == GENERATE:
        return generator_controls()
    return upload_controls()


def generator_controls() -> tuple[Points, str, DataSource]:
    sb = st.sidebar
    sb.caption("y = slope·x + intercept + Gaussian noise, x uniform in [x min, x max].")
    sb.number_input("Points (n)", 2, MAX_GENERATED_POINTS, step=10, key="n", on_change=reset_step)
    left, right = sb.columns(2)
    left.number_input("Slope", -1e6, 1e6, step=0.5, key="slope", on_change=reset_step)
    right.number_input("Intercept", -1e6, 1e6, step=0.5, key="intercept", on_change=reset_step)
    left.number_input("Noise σ", 0.0, 1e6, step=0.5, key="noise", on_change=reset_step)
    right.number_input("Seed", 0, 2**32 - 1, step=1, key="seed", on_change=reset_step)
    left.number_input("x min", -1e9, 1e9, step=1.0, key="x_min", on_change=reset_step)
    right.number_input("x max", -1e9, 1e9, step=1.0, key="x_max", on_change=reset_step)
    s = st.session_state
    if s["x_min"] >= s["x_max"]:
        sb.error("x min must be below x max; using 0 to 10 until it is.")
        args = (s["n"], s["slope"], s["intercept"], s["noise"], 0.0, 10.0, s["seed"])
    else:
        args = (s["n"], s["slope"], s["intercept"], s["noise"], s["x_min"], s["x_max"], s["seed"])
    key = "generate:" + ",".join(repr(a) for a in args)
    n, slope, intercept, noise, x_min, x_max, seed = args
    source = DataSource(
        "generate",
        n=n,
        slope=slope,
        intercept=intercept,
        noise=noise,
        x_min=x_min,
        x_max=x_max,
        seed=seed,
    )
    return generated_points(*args), key, source


def upload_controls() -> tuple[Points | None, str, DataSource | None]:
    sb = st.sidebar
    upload = sb.file_uploader(
        f"CSV file (up to {UPLOAD_LIMIT_MB} MB)",
        type=list(UPLOAD_TYPES),
        key="upload_file",
        help="A header row is optional; comma, semicolon, tab or spaces between values.",
        on_change=reset_step,
    )
    # Streamlit refuses other types and larger files in the browser, before gdviz sees them:
    # the rules stand here in words, so a refused file is never just a red mark.
    sb.caption(escape_markdown(upload_rules_text(UPLOAD_LIMIT_MB, UPLOAD_TYPES)))
    if upload is None:
        st.session_state.pop("_upload_error", None)
        sb.info("Choose a CSV file with at least two numeric columns.")
        return None, "", None
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    try:
        table = uploaded_table(digest, content)
        columns = list(table.numeric_columns)
        if len(columns) < 2:  # choose_columns words this case best
            points = choose_columns(table)
        else:
            left, right = sb.columns(2)
            x_col = left.selectbox("x column", columns, index=0, key=f"x_col_{digest[:12]}")
            y_col = right.selectbox("y column", columns, index=1, key=f"y_col_{digest[:12]}")
            points = choose_columns(table, x_col, y_col)
    except GdvizError as error:
        st.session_state["_upload_error"] = (upload.name, str(error))
        return None, "", None
    st.session_state.pop("_upload_error", None)
    for note in points.notes:  # what the loader decided: skipped columns, decimal commas, ...
        sb.caption(escape_markdown(note))
    key = f"upload:{digest}:{points.x_name}:{points.y_name}"
    if st.session_state.get("_upload_key") != key:  # new data: start from a rate that converges
        st.session_state["_upload_key"] = key
        start_from_a_converging_lr(points)
    return points, key, DataSource.uploaded(upload.name, points.x_name, points.y_name, points.n)


def start_from_a_converging_lr(points: Points) -> None:
    """Set the learning rate the stability meter says converges on `points` (real files are
    rarely on the scale of the last data's rate), and say so on the page."""
    with contextlib.suppress(GdvizError):
        lr = converging_lr(points, current_settings())
        if lr is not None and lr != st.session_state["lr"]:
            st.session_state["lr"] = lr
            st.session_state["lr_log"] = nearest_lr_choice(lr)
            st.session_state["_lr_note"] = (
                f"New data: the learning rate is now {lr:g}, one the stability meter says "
                "converges on these points."
            )


def model_controls() -> None:
    st.sidebar.header("Model")
    st.sidebar.selectbox(
        "Loss",
        list(LOSS_RECORDS),
        format_func=lambda name: LOSS_RECORDS[name].title,
        key="loss",
        on_change=reset_step,
    )
    if LOSS_RECORDS[st.session_state["loss"]].uses_delta:
        st.sidebar.number_input(
            "Huber δ", 1e-9, 1e9, step=0.5, key="delta", format="%g", on_change=reset_step
        )
    st.sidebar.toggle(
        "Standardise x",
        key="scale",
        on_change=reset_step,
        help="Descend on z = (x − mean)/std; the line is shown in the units of x.",
    )


def optimizer_controls(points: Points) -> st.delta_generator.DeltaGenerator:
    """The optimizer section; returns the place beside the learning rate for the meter."""
    sb = st.sidebar
    sb.header("Optimizer")
    sb.selectbox(
        "Optimizer",
        list(OPTIMIZERS),
        format_func=lambda k: OPTIMIZERS[k].title,
        key="optimizer",
        on_change=on_optimizer_change,
    )
    spec = OPTIMIZERS[st.session_state["optimizer"]]
    sb.caption(spec.summary)
    learning_rate_controls()
    meter = sb.container()
    hyperparameter_controls(spec)
    budget_and_start_controls(points)
    return meter


def learning_rate_controls() -> None:
    """The rate on a log slider and as an exact number, each following the other."""
    sb = st.sidebar
    sb.select_slider(
        "Learning rate γ (log scale)",
        LR_CHOICES,
        key="lr_log",
        format_func=lambda v: f"{v:g}",
        on_change=on_lr_slider,
    )
    sb.number_input(
        "Learning rate γ (exact)",
        # 0 and below are typed, not silently refused: the run says in words why they fail.
        min_value=-1e6,
        max_value=1e6,
        key="lr",
        format="%g",
        step=None,
        on_change=on_lr_number,
    )


def hyperparameter_controls(spec: OptimizerSpec) -> None:
    """The optimizer's own hyperparameters, from its registry row (ranges and help)."""
    for h in spec.hyperparameters:
        label = f"{h.name} — {h.help}" if h.help else h.name
        if h.is_flag:
            st.sidebar.toggle(label, key=h.name, on_change=reset_step)
        else:
            st.sidebar.number_input(
                label,
                float(h.low),
                float(h.high),
                key=h.name,
                format="%g",
                step=None,
                on_change=reset_step,
            )


def budget_and_start_controls(points: Points) -> None:
    """Steps, the stopping tolerance, the batch size (and its seed) and the start point."""
    sb = st.sidebar
    sb.number_input(
        "Steps",
        1,
        MAX_PAGE_STEPS,
        step=100,
        key="steps",
        on_change=reset_step,
        help=f"Up to {MAX_PAGE_STEPS:,} on this page.",
    )
    sb.number_input(
        "Stop when the gradient's length ≤",
        min_value=0.0,
        max_value=1e6,
        key="tol",
        format="%g",
        step=None,
        on_change=reset_step,
        help="The tolerance: the run stops at the first step whose full gradient is this "
        "short, and says so. 0 runs every step.",
    )
    sb.number_input(
        "Batch size (0 = all points)",
        0,
        max(points.n, 1),
        step=1,
        key="batch",
        on_change=reset_step,
        help="0 or N: full-batch gradient descent; 1: stochastic; in between: mini-batches, "
        "drawn without replacement within each epoch. The loss shown is always the full loss.",
    )
    if st.session_state["dataset"] != GENERATE:
        sb.number_input(
            "Seed (mini-batch order)", 0, 2**32 - 1, step=1, key="seed", on_change=reset_step
        )
    left, right = sb.columns(2)
    left.number_input("Start m₀", -1e9, 1e9, step=0.5, key="m0", format="%g", on_change=reset_step)
    right.number_input("Start b₀", -1e9, 1e9, step=0.5, key="b0", format="%g", on_change=reset_step)


def stability_meter(stab: Stability | None, scaled: bool) -> None:
    """Beside the learning rate: what the data's curvature says, before anything is run."""
    if stab is None:
        st.caption("Stability meter: for mse and sse only (their curvature is constant).")
        return
    kind = stab.verdict.kind if stab.verdict else None
    show = {"converges": st.success, "slow": st.warning, "diverges": st.error}.get(kind, st.info)
    show(stab.message)
    units = " (in z units)" if scaled else ""
    st.caption(
        f"Largest stable γ for plain gradient descent, 2/λmax{units}: **{stab.lr_max:.4g}** · "
        f"fastest 2/(λmax+λmin): {stab.lr_best:.4g} · condition number κ = "
        f"{stab.condition_number:,.4g}"
    )


# ---------------------------------------------------------------------------------------------
# Main area
# ---------------------------------------------------------------------------------------------


def status_banner(run: LineFitRun) -> None:
    show = {"diverged": st.error, "converged": st.success, "max_steps": st.info}
    show[run.trajectory.status](outcome_words(run))


def scaling_hint(run: LineFitRun) -> None:
    """Point at standardising x where it is the fix: the classic 'my intercept barely moved'
    (gd crawling on a narrow valley), or a divergence that standardising alone would cure."""
    stab = run.stability
    if stab is None or stab.verdict is None or run.scaling is not None:
        return  # the meter's numbers hold for plain gradient descent on raw x only
    lr = run.settings.lr
    if run.trajectory.status == "diverged":
        if lr < stab.standardized_lr_max:
            st.info(
                f"Or **standardise x** (under Model): the largest stable learning rate becomes "
                f"{stab.standardized_lr_max:.3g} instead of {stab.lr_max:.3g}, so γ = {lr:g} "
                "would converge."
            )
        return
    if stab.verdict.kind == "slow" and stab.condition_number >= 100:
        st.warning(
            f"x is unscaled: the loss surface is a narrow valley (condition number "
            f"{stab.condition_number:,.3g}), so any learning rate small enough for the slope is "
            f"far too small for the intercept, which barely moves. **Standardise x** (under "
            f"Model) to make the condition number {stab.standardized_condition_number:,.3g} "
            f"and the largest stable learning rate {stab.standardized_lr_max:.3g} instead of "
            f"{stab.lr_max:.3g}."
        )


def on_player_step(step: int) -> None:
    """The browser stopped on a step (pause, a step key, a released scrub): it goes into the
    page's state, and so into the link."""
    st.session_state["step"] = step


def player_start(data_key: str, settings: LineFitSettings, view: LineFitView) -> LineFitView:
    """The view the player's data is built for: the step shown when this run (and these
    toggles) first appeared. A step the browser hands back then leaves the data as it was, so
    a pause sends a few bytes, not the whole lesson again; the browser already shows it."""
    shown_for = (data_key, settings, view.residuals)
    if st.session_state.get("_player_for") != shown_for:
        st.session_state["_player_for"] = shown_for
        st.session_state["_player_start"] = view.step
    return LineFitView(step=st.session_state["_player_start"], residuals=view.residuals)


def below_the_player(run: LineFitRun) -> None:
    """The rule, the visual toggle and the hints, under the player."""
    spec = OPTIMIZERS[run.settings.optimizer]
    left, right = st.columns((3, 1))
    left.markdown(f"**{spec.title}**: {spec.summary}")
    right.toggle(
        "Show residuals",
        key="residuals",
        help="The vertical distance of each point to the line (up to 200 points).",
    )
    units = (
        f"x is standardised: the descent runs on z = (x − {run.scaling.mean:.6g}) / "
        f"{run.scaling.std:.6g}, and every number above is in those units (m_z, b_z); the line "
        "is drawn in the units of x."
        if run.scaling
        else "Every number above is in the units of the data (m per unit of x, b in units of y)."
    )
    timeline = run.timeline
    frames = (
        ""
        if timeline.is_every_step
        else f" The player shows {timeline.steps.size} of the {timeline.last + 1:,} steps, "
        "early steps denser (the fast early motion)."
    )
    st.caption(units + frames + " Keys: Space plays or pauses, ← and → step, Home and End jump.")
    scaling_hint(run)


def share_and_downloads(
    run: LineFitRun, query: dict[str, str], source: DataSource, data: dict
) -> None:
    """The link and the files, built only when their box is opened (see ui.on_demand)."""
    box = ui.on_demand(
        "Share this setting · download the run (CSV, offline HTML, NumPy script)", "show_share"
    )
    if box is None:
        return
    with box:
        share_and_download_files(run, query, source, data)


def share_and_download_files(
    run: LineFitRun, query: dict[str, str], source: DataSource, data: dict
) -> None:
    settings = run.settings
    ui.share_link(
        query, caption="This link reproduces what is on screen (the address bar holds it too):"
    )
    if settings.dataset == UPLOAD:
        st.caption(
            "Uploaded data cannot travel in a link: whoever opens it must upload the same file."
        )
    # The files are built only when a button is pressed (callables run on click), so the
    # page's reruns never pay for a 4.7 MB HTML file nobody asked for.
    title = "gdviz: " + DATASETS.get(settings.dataset, "data")
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Trajectory (CSV)",
        lambda: trajectory_csv(run),
        file_name="gdviz_trajectory.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
    )
    c2.download_button(
        "Animation (HTML, plays offline)",
        lambda: offline_html(data, title=title),
        file_name="gdviz_animation.html",
        mime="text/html",
        key="download_html",
        on_click="ignore",
    )
    c3.download_button(
        "This run as a NumPy script",
        lambda: numpy_script(settings, source, run.points),
        file_name="gdviz_run.py",
        mime="text/x-python",
        key="download_script",
        on_click="ignore",
    )
    if run.points.n > EMBED_LIMIT and source.kind != "generate" and source.header:
        # Too many points to carry in the script: it reads them from this file, beside it.
        c3.download_button(
            "The points for the script (CSV)",
            lambda: data_csv(run.points, source),
            file_name=source.filename,
            mime="text/csv",
            key="download_points",
            on_click="ignore",
        )


def data_table(points: Points) -> None:
    names = f"{escape_markdown(points.x_name)}, {escape_markdown(points.y_name)}"
    box = ui.on_demand(f"The data: {points.n:,} points ({names})", "show_data")
    if box is None:
        return
    with box:
        shown = min(points.n, 10_000)
        st.dataframe(
            pd.DataFrame({points.x_name: points.x[:shown], points.y_name: points.y[:shown]}),
            width="stretch",
            height=260,
        )
        if shown < points.n:
            st.caption(f"The first {shown:,} of {points.n:,} rows.")


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def main() -> None:
    notes = seed_widgets()
    st.title("gdviz: gradient descent, step by step")
    st.caption(
        "Pick data, a loss, an optimizer and a learning rate, then press ▶ Play: the line, the "
        "loss and the path on the loss surface move together."
    )
    ui.show_url_notes(notes)

    points, data_key, source = data_controls()
    if points is None:
        error = st.session_state.get("_upload_error")
        if error:
            ui.show_error(f"Could not use the file {escape_markdown(error[0])}", error[1])
        fallback = st.session_state.get("_last_good")
        if fallback is None:
            default = sample_points("study-hours")
            fallback = (default, "sample:study-hours", DataSource.sample("study-hours", default.n))
            st.info("Showing the sample data until a usable file is uploaded.")
        else:
            st.info("Still showing the previous data.")
        points, data_key, source = fallback
    else:
        st.session_state["_last_good"] = (points, data_key, source)
    model_controls()
    meter = optimizer_controls(points)
    settings = current_settings()
    try:
        run = engine_run(data_key, points, settings)
    except GdvizError as error:  # no meter either: the error says what is wrong, in words
        ui.show_error("Cannot run with these settings", error)
        view = LineFitView(st.session_state["step"], st.session_state["residuals"])
        ui.finish(PAGE, (settings, view), to_query(settings, view))
        return

    # The meter comes from the data's curvature alone (the run computed it once); it stands
    # in its place beside the learning rate, drawn there before the run.
    with meter:
        stability_meter(run.stability, settings.scale)
    status_banner(run)
    if note := st.session_state.pop("_lr_note", None):
        st.info(note)
    view = LineFitView(step=st.session_state["step"], residuals=st.session_state["residuals"])
    data = lesson_data(data_key, settings, player_start(data_key, settings, view), run)
    player(data, key="lesson", on_step=on_player_step)
    view = LineFitView(step=st.session_state["step"], residuals=view.residuals)
    below_the_player(run)
    data_table(points)
    query = to_query(settings, view)
    share_and_downloads(run, query, source, data)
    ui.finish(PAGE, (settings, view), query)


main()
