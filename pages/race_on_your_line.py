"""Optimizers racing on your line: the line fit with several optimizers at once (wiring only).

Flow: URL -> widgets -> LineFitSettings (the data, loss, start, budget and tolerance every
racer shares) + the racers and their rates -> cached race -> one animated figure and a results
table -> everything back into the URL. The data are the main page's (`lesson_points`).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from gdviz.errors import GdvizError
from gdviz.linefit.race import (
    LineRace,
    key_column,
    race,
    race_columns,
    race_rows,
    runs_from_query,
    runs_to_query,
    suggested_rate,
)
from gdviz.linefit.settings import GENERATE, MAX_PAGE_STEPS, UPLOAD, LineFitSettings
from gdviz.linefit.settings import from_query as linefit_from_query
from gdviz.linefit.settings import to_query as linefit_to_query
from gdviz.losses import LOSS_RECORDS, LOSSES
from gdviz.optimizers import OPTIMIZERS
from gdviz.samples import SAMPLES
from gdviz.ui import page as ui
from gdviz.ui.lesson_data import LAST_UPLOAD, lesson_points
from gdviz.ui.player import player
from gdviz.views.race import line_race_player
from gdviz.views.text import escape_markdown

PAGE = "race"
KEYS = {
    "dataset": "race_dataset",
    "loss": "race_loss",
    "scale": "race_scale",
    "m0": "race_m0",
    "b0": "race_b0",
    "steps": "race_steps",
    "tol": "race_tol",
}
RACERS_KEY = "race_racers"
BASIS = "_race_basis"  # what the suggested rates were computed for
TITLES = {name: s.title for name, s in SAMPLES.items()} | {
    GENERATE: "Generated points (as the link says)",
    UPLOAD: "The file uploaded on the main page",
}


def decode(query) -> tuple[LineFitSettings, dict, list[str]]:
    """The line-fit settings of the link and its race parameters (read once data are known)."""
    settings, _view, notes = linefit_from_query(query)
    race_params = {k: v for k, v in query.items() if k == "racers" or k.startswith("lr_")}
    return settings, race_params, notes


def last_state() -> tuple[LineFitSettings, dict]:
    return ui.url_state(PAGE, decode)[0]


def lr_key(name: str) -> str:
    return f"race_lr_{name}"


@ui.cached
def cached_race(key: str, settings: LineFitSettings, runs, _points) -> LineRace:
    """Keyed by the points' key with the settings and runs, which determine the race."""
    return race(_points, settings, runs)


# Shared, not copied per session: nothing writes into it (the player adds its keys to a new
# dict).
@ui.cached
def cached_player(key: str, settings: LineFitSettings, runs, _race: LineRace) -> dict:
    return line_race_player(_race)


@ui.cached
def cached_suggestions(key: str, settings: LineFitSettings, _points) -> dict[str, float]:
    return {name: suggested_rate(_points, settings, name) for name in OPTIMIZERS}


def data_controls(last: LineFitSettings) -> LineFitSettings:
    """The data and the rules every racer shares."""
    sb, state = st.sidebar, st.session_state
    sb.header("Your line")
    choices = list(SAMPLES)
    if last.dataset == GENERATE:
        choices.append(GENERATE)
    if last.dataset == UPLOAD or state.get(LAST_UPLOAD) is not None:
        choices.append(UPLOAD)
    ui.ensure(KEYS["dataset"], last.dataset if last.dataset in choices else choices[0])
    dataset = sb.selectbox("Points", choices, key=KEYS["dataset"], format_func=TITLES.get)
    ui.ensure(KEYS["loss"], last.loss)
    sb.selectbox(
        "Loss", list(LOSSES), key=KEYS["loss"], format_func=lambda n: LOSS_RECORDS[n].title
    )
    ui.ensure(KEYS["scale"], bool(last.scale))
    sb.toggle("Standardise x", key=KEYS["scale"], help="Descend on z = (x − x̄)/σ.")
    sb.header("Race rules")
    sb.caption("The same for every optimizer: one start, one step budget, one tolerance.")
    left, right = sb.columns(2)
    ui.ensure(KEYS["m0"], float(last.m0))
    ui.ensure(KEYS["b0"], float(last.b0))
    left.number_input("Start m₀", -1e9, 1e9, step=0.5, format="%g", key=KEYS["m0"])
    right.number_input("Start b₀", -1e9, 1e9, step=0.5, format="%g", key=KEYS["b0"])
    ui.budget_controls(
        sb,
        keys=(KEYS["steps"], KEYS["tol"]),
        values=(last.steps, last.tol),
        max_steps=MAX_PAGE_STEPS,
        step=100,
        help="A racer finishes when its gradient's length is at most this (0: run every step).",
    )
    sample_lr = {"lr": SAMPLES[dataset].lr} if dataset in SAMPLES else {}
    return replace(
        last,
        dataset=dataset,
        loss=state[KEYS["loss"]],
        scale=bool(state[KEYS["scale"]]),
        m0=float(state[KEYS["m0"]]),
        b0=float(state[KEYS["b0"]]),
        steps=int(state[KEYS["steps"]]),
        tol=float(state[KEYS["tol"]]),
        **sample_lr,
    )


def racer_controls(settings: LineFitSettings, suggestions: dict, link_runs) -> tuple:
    """The racers and their rates; new data, loss or scaling bring new suggested rates."""
    sb, state = st.sidebar, st.session_state
    basis = (settings.dataset, settings.loss, settings.scale, settings.m0, settings.b0)
    fresh = state.get(BASIS) not in (None, basis)
    state[BASIS] = basis
    sb.header("Racers")
    ui.ensure(RACERS_KEY, [name for name, _ in link_runs])
    chosen = sb.multiselect(
        "Optimizers",
        list(OPTIMIZERS),
        key=RACERS_KEY,
        format_func=lambda name: OPTIMIZERS[name].title,
    )
    sb.caption("Each its own learning rate γ; the suggestions converge on these data:")
    given = dict(link_runs)
    for name in OPTIMIZERS:
        if name not in chosen and lr_key(name) in state:
            del state[lr_key(name)]  # a racer added again starts from its suggestion
    for name in chosen:
        if fresh:
            state[lr_key(name)] = suggestions[name]
        ui.ensure(lr_key(name), float(given.get(name, suggestions[name])))
        sb.number_input(
            f"γ for {OPTIMIZERS[name].title}",
            1e-12,
            1e6,
            format="%g",
            key=lr_key(name),
            help=f"Suggested: {suggestions[name]:g}. {OPTIMIZERS[name].summary}",
        )
    return tuple((name, float(state[lr_key(name)])) for name in chosen)


def results_table(result: LineRace) -> None:
    columns = race_columns(result)
    table = pd.DataFrame(race_rows(result), columns=list(columns))
    key = key_column(result)
    if key and key.startswith("steps"):
        table[key] = table[key].astype("Int64")
    config = {
        "γ": st.column_config.NumberColumn(format="%g", width="small"),
        "final loss": st.column_config.NumberColumn(format="%.6g", width="small"),
        "L − L_min at the end": st.column_config.NumberColumn(format="%.2e", width="small"),
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)


def messages(result: LineRace) -> None:
    for (name, _), r in zip(result.runs, result.results, strict=True):
        t = r.trajectory
        show = {"diverged": st.error, "converged": st.success}.get(t.status, st.warning)
        show(f"{OPTIMIZERS[name].title}, γ = {t.lr:g}: {t.message}")


def main() -> None:
    st.set_page_config(page_title="gdviz · optimizers racing on your line", layout="wide")
    st.title("Optimizers racing on your line")
    last, link_params = last_state()
    settings = data_controls(last)
    ui.show_url_notes(ui.url_state(PAGE, decode)[1])
    data = lesson_points(settings)
    if data is None:
        st.info("Upload a file on the main page (Fit a line) first; it is raced here.")
        st.stop()
    points, key = data
    try:
        suggestions = cached_suggestions(key, settings, points)
    except GdvizError as error:
        ui.show_error("Cannot race on these points", error)
        st.stop()
    link_runs, notes = runs_from_query(link_params, suggestions)
    if PAGE + "_race_notes" not in st.session_state:
        st.session_state[PAGE + "_race_notes"] = True
        ui.show_url_notes(notes)
    runs = racer_controls(settings, suggestions, link_runs)
    query = linefit_to_query(settings) | runs_to_query(runs)
    try:
        result = cached_race(key, settings, runs, points)
    except GdvizError as error:
        ui.show_error("Cannot race with these settings", error)
        ui.finish(PAGE, (settings, runs_to_query(runs)), query)
        return
    if not runs:
        st.info("Choose at least one optimizer in the sidebar to start the race.")
    tol = f"stop at ‖∇L‖ ≤ {settings.tol:g}" if settings.tol > 0 else "no early stop"
    st.caption(
        f"{escape_markdown(TITLES.get(settings.dataset, settings.dataset))} · "
        f"{points.n:,} points · {LOSS_RECORDS[settings.loss].title} · start (m, b) = "
        f"({settings.m0:g}, {settings.b0:g}) · {settings.steps:,} steps · {tol}"
    )
    player(cached_player(key, settings, runs, result), key="race", hand_back=False)
    results_table(result)
    messages(result)
    st.markdown(
        "The same line fit for every optimizer: **the same points, loss, start, step budget "
        "and tolerance**, each with its own learning rate γ. Left, the level lines of the loss "
        "over (m, b) with each optimizer's path to the least-squares line (★); right, how far "
        "each loss still is above the least-squares loss, step by step."
    )
    st.caption(
        "Suggested rates: for gradient descent the fastest stable rate 2/(λmax + λmin), for "
        "momentum and Nesterov half their stability limit (from the squared loss's curvature); "
        "the adaptive rules move each parameter by about γ per step, so theirs is a tenth of "
        "the distance from the start to the least-squares line."
    )
    st.subheader("Share")
    ui.share_link(query, caption="This link reproduces the race:", safe=",")
    ui.finish(PAGE, (settings, runs_to_query(runs)), query)


main()
