"""Compare optimizers: several optimizers race on one 2-D test function (wiring only).

Flow: URL -> widgets -> CompareSettings -> cached comparison -> figure and table -> the
settings back into the URL, so the address always reproduces the page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gdviz.compare.run import (
    REACH_DISTANCE,
    TABLE_COLUMNS,
    Comparison,
    compare,
    summary_rows,
)
from gdviz.compare.settings import (
    DEFAULT_KAPPA,
    MAX_STEPS,
    CompareSettings,
    default_lr,
    from_query,
    to_query,
)
from gdviz.errors import GdvizError
from gdviz.objectives import TEST_FUNCTIONS, test_function
from gdviz.optimizers import OPTIMIZERS
from gdviz.ui.page import (
    cached,
    cached_copy,
    ensure,
    finish,
    share_link,
    show_error,
    show_url_notes,
    url_state,
)
from gdviz.views.compare import comparison_floor, comparison_spec
from gdviz.views.linefit import PlainFigure

PAGE = "compare"
# Widget keys: prefixed, so they never meet the main page's keys (its "steps" allows 10 000).
KEYS = {
    "function": "cmp_function",
    "kappa": "cmp_kappa",
    "x0": "cmp_x0",
    "y0": "cmp_y0",
    "steps": "cmp_steps",
    "tol": "cmp_tol",
}
OPTIMIZERS_KEY = "cmp_optimizers"
BOWL_KAPPA = "_cmp_bowl_kappa"
SHOW = {"success": st.success, "warning": st.warning, "error": st.error}


# ---------------------------------------------------------------------------------------------
# State: seeded from the URL on the first visit, then owned by the widgets
# ---------------------------------------------------------------------------------------------


def last_settings() -> CompareSettings:
    """The URL's settings on a first visit, else those of the last run."""
    return url_state(PAGE, from_query)[0]


def bowl_kappa() -> float:
    """The bowl's κ as last chosen in this session (kept while another function is shown)."""
    last = last_settings()
    return float(
        st.session_state.get(BOWL_KAPPA, last.kappa if last.function == "bowl" else DEFAULT_KAPPA)
    )


def lr_key(name: str) -> str:
    return f"lr_{name}"


def on_function_change() -> None:
    """A new function starts from its own start point and the learning rates that suit it."""
    state = st.session_state
    function = state[KEYS["function"]]
    kappa = bowl_kappa() if function == "bowl" else DEFAULT_KAPPA
    state[KEYS["x0"]], state[KEYS["y0"]] = (float(v) for v in TEST_FUNCTIONS[function]().start)
    for name in OPTIMIZERS:
        if name in state[OPTIMIZERS_KEY]:
            state[lr_key(name)] = default_lr(function, name, kappa)
        elif lr_key(name) in state:
            del state[lr_key(name)]


# ---------------------------------------------------------------------------------------------
# Cached work: the comparison is immutable (shared); the figure dict is copied per session
# ---------------------------------------------------------------------------------------------


@cached
def cached_comparison(settings: CompareSettings) -> Comparison:
    return compare(settings)


@cached_copy
def cached_spec(settings: CompareSettings, _comparison: Comparison) -> dict:
    """Keyed by the settings, which determine `_comparison`, so it is not hashed itself."""
    return comparison_spec(_comparison, 0)


# ---------------------------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------------------------


def controls() -> CompareSettings:
    """The sidebar; returns the settings it describes."""
    last = last_settings()
    state = st.session_state
    sb = st.sidebar
    sb.header("Function")
    ensure(KEYS["function"], last.function)
    function = sb.selectbox(
        "Test function", list(TEST_FUNCTIONS), key=KEYS["function"], on_change=on_function_change
    )
    kappa = DEFAULT_KAPPA  # only the bowl has a κ
    if function == "bowl":
        ensure(KEYS["kappa"], bowl_kappa())
        kappa = state[BOWL_KAPPA] = sb.number_input(
            "Condition number κ",
            0.1,
            1e4,
            step=1.0,
            format="%g",
            key=KEYS["kappa"],
            help="f = x² + κ·y²: the larger κ, the narrower the valley.",
        )
    fn = test_function(function, **({"kappa": kappa} if function == "bowl" else {}))
    sb.caption(f"f(x, y) = {fn.formula}. {fn.description}")

    sb.header("Race rules")
    sb.caption("The same for every optimizer: one start, one step budget, one tolerance.")
    same_function = last.function == function
    start = (last.x0, last.y0) if same_function else fn.start
    ensure(KEYS["x0"], float(start[0]))
    ensure(KEYS["y0"], float(start[1]))
    left, right = sb.columns(2)
    left.number_input("Start x₀", -1e6, 1e6, step=0.5, format="%g", key=KEYS["x0"])
    right.number_input("Start y₀", -1e6, 1e6, step=0.5, format="%g", key=KEYS["y0"])
    ensure(KEYS["steps"], int(last.steps))
    sb.number_input("Steps", 1, MAX_STEPS, step=50, key=KEYS["steps"])
    ensure(KEYS["tol"], float(last.tol))
    sb.number_input(
        "Tolerance",
        0.0,
        1e6,
        step=1e-4,
        format="%g",
        key=KEYS["tol"],
        help="Stop when the gradient's length is at most this (0: run every step).",
    )

    sb.header("Optimizers")
    ensure(OPTIMIZERS_KEY, list(last.optimizers))
    chosen = sb.multiselect(
        "Optimizers to compare",
        list(OPTIMIZERS),
        key=OPTIMIZERS_KEY,
        format_func=lambda name: OPTIMIZERS[name].title,
    )
    sb.caption("Each with its own learning rate γ (the defaults suit it on this function):")
    last_lr = dict(last.runs) if same_function else {}
    for name in chosen:
        spec = OPTIMIZERS[name]
        ensure(lr_key(name), float(last_lr.get(name, default_lr(function, name, kappa))))
        sb.number_input(
            f"γ for {spec.title}",
            1e-12,
            1e6,
            format="%g",
            key=lr_key(name),
            help=f"{spec.summary} Other hyperparameters: the registry's defaults.",
        )
    return CompareSettings(
        function=function,
        kappa=float(kappa),
        x0=float(state[KEYS["x0"]]),
        y0=float(state[KEYS["y0"]]),
        steps=int(state[KEYS["steps"]]),
        tol=float(state[KEYS["tol"]]),
        runs=tuple((name, float(state[lr_key(name)])) for name in chosen),
    )


# ---------------------------------------------------------------------------------------------
# Main area
# ---------------------------------------------------------------------------------------------


def statuses(comparison: Comparison) -> None:
    for summary in comparison.summaries:
        SHOW[summary.kind](summary.message)


def results_table(comparison: Comparison) -> None:
    st.subheader("Results")
    reached = TABLE_COLUMNS[-1]
    table = pd.DataFrame(summary_rows(comparison), columns=list(TABLE_COLUMNS))
    table[reached] = table[reached].astype("Int64")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "learning rate": st.column_config.NumberColumn(format="%g"),
            # Both span tens of decades between optimizers: scientific notation lines them up.
            "final loss": st.column_config.NumberColumn(format="%.4e"),
            "distance to minimum": st.column_config.NumberColumn(format="%.3e"),
        },
    )
    st.caption(
        f"“Reached” is the first step within {REACH_DISTANCE:g} (straight-line distance) of a "
        "minimum; None when that never happened. A diverged run's numbers are those of its last "
        "finite step."
    )


def main() -> None:
    st.title("Compare optimizers")
    st.markdown(
        "Several optimizers on one function, compared fairly: **the same start, the same step "
        "budget and the same tolerance**, each with its own learning rate γ. The full paths "
        "are drawn at once; press **▶ Play** to watch the markers move together, or drag the "
        "step slider."
    )
    settings = controls()
    show_url_notes(url_state(PAGE, from_query)[1])
    query = to_query(settings)
    try:
        comparison = cached_comparison(settings)
    except GdvizError as error:
        show_error("Cannot compare with these settings", error)
        finish(PAGE, settings, query)
        return
    if not settings.runs:
        st.info("Choose at least one optimizer in the sidebar to start the race.")
    statuses(comparison)
    spec = cached_spec(settings, comparison)
    st.plotly_chart(PlainFigure(spec), key="compare", config={"displaylogo": False})
    shown, total = len(comparison.timeline.steps), comparison.timeline.last + 1
    frames = (
        f"The animation shows {shown} of the {total:,} steps, early steps denser. "
        if shown < total
        else ""
    )
    floor = (
        f"The log axis stops at {comparison_floor(comparison):.2g} (rounding noise next to the "
        "start's value): a curve that goes lower, or reaches exactly 0, runs off its bottom edge "
        "and its marker waits on the edge. Hovering shows exact values."
        if comparison.f_min is not None
        else "This function has no minimum, so the right panel shows f itself."
    )
    st.caption(frames + floor)
    results_table(comparison)
    st.subheader("Share")
    caption = "This link reproduces the comparison (the address bar holds it too):"
    share_link(query, caption=caption, safe=",")  # commas stay readable in the list
    finish(PAGE, settings, query)


main()
