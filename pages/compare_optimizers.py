"""Compare optimizers: several optimizers race on one 2-D function, built in or typed (wiring).

Flow: URL -> widgets -> CompareSettings -> cached comparison -> figure and table -> the
settings back into the URL, so the address always reproduces the page. A typed formula is
checked by `gdviz.expression` (never evaluated as Python); a refused one is shown as a
sentence and the page keeps running on the last formula that was accepted.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gdviz.compare.run import (
    REACH_DISTANCE,
    REACHED,
    Comparison,
    compare,
    key_column,
    summary_rows,
    table_columns,
)
from gdviz.compare.settings import (
    CUSTOM,
    DEFAULT_FORMULA,
    DEFAULT_KAPPA,
    DEFAULT_SPAN,
    FUNCTIONS,
    MAX_STEPS,
    CompareSettings,
    default_lr,
    from_query,
    to_query,
    typed_rates,
)
from gdviz.errors import GdvizError
from gdviz.expression import DEFAULT_START, normalise
from gdviz.objectives import TEST_FUNCTIONS
from gdviz.optimizers import OPTIMIZERS
from gdviz.ui import page as ui
from gdviz.ui.player import player
from gdviz.views.compare import comparison_floor
from gdviz.views.race_player import comparison_player
from gdviz.views.text import escape_markdown

PAGE = "compare"
# Widget keys: prefixed, so they never meet the main page's keys (its "steps" allows 10 000).
KEYS = {
    "function": "cmp_function",
    "kappa": "cmp_kappa",
    "fn": "cmp_fn",
    "span": "cmp_span",
    "x0": "cmp_x0",
    "y0": "cmp_y0",
    "steps": "cmp_steps",
    "tol": "cmp_tol",
}
OPTIMIZERS_KEY = "cmp_optimizers"
BOWL_KAPPA = "_cmp_bowl_kappa"
GOOD_FN = "_cmp_good_fn"  # the last typed formula that was accepted (normalised)
SHOW = {"success": st.success, "warning": st.warning, "error": st.error}
LABELS = {CUSTOM: "your own…"}


# ---------------------------------------------------------------------------------------------
# State: seeded from the URL on the first visit, then owned by the widgets
# ---------------------------------------------------------------------------------------------


def last_settings() -> CompareSettings:
    """The URL's settings on a first visit, else those of the last run."""
    return ui.url_state(PAGE, from_query)[0]


def bowl_kappa() -> float:
    """The bowl's κ as last chosen in this session (kept while another function is shown)."""
    last = last_settings()
    return float(
        st.session_state.get(BOWL_KAPPA, last.kappa if last.function == "bowl" else DEFAULT_KAPPA)
    )


def good_formula() -> str:
    """The last typed formula that was accepted in this session (or the link's, or the
    example): what the page runs on while the box holds one that is refused."""
    last = last_settings()
    return st.session_state.get(GOOD_FN, last.fn if last.typed else DEFAULT_FORMULA)


def lr_key(name: str) -> str:
    return f"lr_{name}"


def reset_rates(function: str, kappa: float, fn: str) -> None:
    state = st.session_state
    for name in OPTIMIZERS:
        if name in state[OPTIMIZERS_KEY]:
            state[lr_key(name)] = default_lr(function, name, kappa, fn)
        elif lr_key(name) in state:
            del state[lr_key(name)]


def on_function_change() -> None:
    """A new function starts from its own start point and the learning rates that suit it."""
    state = st.session_state
    function = state[KEYS["function"]]
    kappa = bowl_kappa() if function == "bowl" else DEFAULT_KAPPA
    start = DEFAULT_START if function == CUSTOM else TEST_FUNCTIONS[function]().start
    state[KEYS["x0"]], state[KEYS["y0"]] = (float(v) for v in start)
    reset_rates(function, kappa, good_formula())


def on_formula_change() -> None:
    """An accepted new formula brings the learning rates that suit it (the start stays: the
    person may have chosen it for this function); a refused one changes nothing."""
    try:
        fn = normalise(st.session_state[KEYS["fn"]])
    except GdvizError:
        return
    if fn != good_formula():
        st.session_state[GOOD_FN] = fn
        reset_rates(CUSTOM, DEFAULT_KAPPA, fn)


# ---------------------------------------------------------------------------------------------
# Cached work: the comparison is immutable (shared); the figure dict is copied per session
# ---------------------------------------------------------------------------------------------


@ui.cached
def cached_comparison(settings: CompareSettings) -> Comparison:
    return compare(settings)


# Shared, not copied per session: nothing writes into it (the player adds its keys to a new
# dict). Keyed by the settings, which determine `_comparison`, so it is not hashed itself.
@ui.cached
def cached_player(settings: CompareSettings, _comparison: Comparison) -> dict:
    return comparison_player(_comparison)


# ---------------------------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------------------------


def controls() -> tuple[CompareSettings, str | None]:
    """The sidebar; returns the settings it describes and a typed formula's refusal."""
    last = last_settings()
    state, sb = st.session_state, st.sidebar
    sb.header("Function")
    ui.ensure(KEYS["function"], last.function)
    function = sb.selectbox(
        "Test function",
        list(FUNCTIONS),
        key=KEYS["function"],
        on_change=on_function_change,
        format_func=lambda name: LABELS.get(name, name),
        help="One of the classic test functions, or “your own…” to type f(x, y).",
    )
    if function == CUSTOM:
        return typed_controls(last)
    kappa = DEFAULT_KAPPA  # only the bowl has a κ
    if function == "bowl":
        ui.ensure(KEYS["kappa"], bowl_kappa())
        kappa = state[BOWL_KAPPA] = sb.number_input(
            "Condition number κ",
            0.1,
            1e4,
            step=1.0,
            format="%g",
            key=KEYS["kappa"],
            help="f = x² + κ·y²: the larger κ, the narrower the valley.",
        )
    fn = CompareSettings.for_function(function, kappa, runs=()).objective()
    sb.caption(f"f(x, y) = {escape_markdown(fn.formula)}. {escape_markdown(fn.description)}")
    return race_controls(last, function, kappa, DEFAULT_FORMULA, DEFAULT_SPAN, fn.start)


def typed_controls(last: CompareSettings) -> tuple[CompareSettings, str | None]:
    """The formula box and its window; the formula used is the last accepted one when the
    box holds one that is refused (returned as the second value, the refusal in words)."""
    sb, state = st.sidebar, st.session_state
    ui.ensure(KEYS["fn"], good_formula())
    text = sb.text_input(
        "f(x, y) =",
        key=KEYS["fn"],
        # No max_chars: a box that silently cuts a pasted text would hide why it fails; the
        # parser refuses long input in words after a cheap length check.
        on_change=on_formula_change,
        help="Numbers, x, y, pi, e, + − * / ** (or ^), and sin cos tan exp log sqrt tanh abs, "
        "e.g. sin(x)*cos(y) + 0.1*(x**2 + y**2).",
    )
    refusal = None
    try:
        state[GOOD_FN] = fn = normalise(text)
    except GdvizError as error:
        fn, refusal = good_formula(), str(error)
    ui.ensure(KEYS["span"], float(last.span if last.typed else DEFAULT_SPAN))
    span = sb.number_input(
        "Window ±",
        1e-6,
        1e6,
        step=1.0,
        format="%g",
        key=KEYS["span"],
        help="The contour shows x and y from −this to +this (widened to frame the paths).",
    )
    same = last.typed and last.fn == fn
    start = (last.x0, last.y0) if last.typed else DEFAULT_START
    settings, _ = race_controls(last, CUSTOM, DEFAULT_KAPPA, fn, float(span), start, same)
    sb.caption(escape_markdown(typed_rates(fn)[1]))
    return settings, refusal


def race_controls(
    last: CompareSettings,
    function: str,
    kappa: float,
    fn: str,
    span: float,
    start: tuple[float, float],
    same_function: bool | None = None,
) -> tuple[CompareSettings, str | None]:
    """Start, budget, tolerance, the optimizers and their rates; the settings they make."""
    state, sb = st.session_state, st.sidebar
    sb.header("Race rules")
    sb.caption("The same for every optimizer: one start, one step budget, one tolerance.")
    if same_function is None:
        same_function = last.function == function
    start = (last.x0, last.y0) if same_function else start
    ui.ensure(KEYS["x0"], float(start[0]))
    ui.ensure(KEYS["y0"], float(start[1]))
    left, right = sb.columns(2)
    left.number_input("Start x₀", -1e6, 1e6, step=0.5, format="%g", key=KEYS["x0"])
    right.number_input("Start y₀", -1e6, 1e6, step=0.5, format="%g", key=KEYS["y0"])
    ui.budget_controls(
        sb,
        keys=(KEYS["steps"], KEYS["tol"]),
        values=(last.steps, last.tol),
        max_steps=MAX_STEPS,
        step=50,
        help="Stop when the gradient's length is at most this (0: run every step).",
    )

    sb.header("Optimizers")
    ui.ensure(OPTIMIZERS_KEY, list(last.optimizers))
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
        ui.ensure(lr_key(name), float(last_lr.get(name, default_lr(function, name, kappa, fn))))
        sb.number_input(
            f"γ for {spec.title}",
            1e-12,
            1e6,
            format="%g",
            key=lr_key(name),
            help=f"{spec.summary} Other hyperparameters: the registry's defaults.",
        )
    settings = CompareSettings(
        function=function,
        kappa=float(kappa),
        fn=fn,
        span=span,
        x0=float(state[KEYS["x0"]]),
        y0=float(state[KEYS["y0"]]),
        steps=int(state[KEYS["steps"]]),
        tol=float(state[KEYS["tol"]]),
        runs=tuple((name, float(state[lr_key(name)])) for name in chosen),
    )
    return settings, None


# ---------------------------------------------------------------------------------------------
# Main area
# ---------------------------------------------------------------------------------------------


def statuses(comparison: Comparison) -> None:
    for summary in comparison.summaries:
        SHOW[summary.kind](summary.message)  # gdviz's own words and numbers only


def results_table(comparison: Comparison) -> None:
    """Narrow enough for a projector: the telling column second, numbers in short forms."""
    columns = table_columns(comparison)
    table = pd.DataFrame(summary_rows(comparison), columns=list(columns))
    key = key_column(comparison.settings, bool(comparison.function.minima))
    for column in (REACHED, key):
        if column in table and column != "distance to minimum":
            table[column] = table[column].astype("Int64")
    config = {
        "optimizer": st.column_config.TextColumn(width="medium"),
        "status": st.column_config.TextColumn(width="medium"),
        "γ": st.column_config.NumberColumn(format="%g", width="small"),
        # Spans tens of decades between optimizers: scientific notation lines them up.
        "final f": st.column_config.NumberColumn(format="%.3e", width="small"),
        "distance to minimum": st.column_config.NumberColumn(format="%.2e", width="small"),
        REACHED: st.column_config.NumberColumn(f"reached ±{REACH_DISTANCE:g} at step"),
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)
    st.caption(
        f"“Reached ±{REACH_DISTANCE:g}” is the first step within {REACH_DISTANCE:g} "
        "(straight-line distance) of a minimum; empty when that never happened. A diverged "
        "run's numbers are those of its last finite step."
    )


def headline(comparison: Comparison) -> None:
    """One line above the chart: the function and the rules of the race."""
    fn, s = comparison.function, comparison.settings
    tol = f"stop at ‖∇f‖ ≤ {s.tol:g}" if s.tol > 0 else "no early stop"
    st.caption(
        f"f(x, y) = {escape_markdown(fn.formula)} · start ({s.x0:g}, {s.y0:g}) · "
        f"{s.steps:,} steps · {tol} · each optimizer its own γ · press ▶ Play to race"
    )


def main() -> None:
    st.set_page_config(page_title="gdviz · compare optimizers", layout="wide")
    st.title("Compare optimizers")
    settings, refusal = controls()
    ui.show_url_notes(ui.url_state(PAGE, from_query)[1])
    if refusal:
        # Both parts quote what was typed: each escaped, never read as Markdown.
        st.error(
            f"Your function was not used (still showing {escape_markdown(good_formula())}): "
            f"{escape_markdown(refusal)}"
        )
    query = to_query(settings)
    try:
        comparison = cached_comparison(settings)
    except GdvizError as error:
        ui.show_error("Cannot compare with these settings", error)
        ui.finish(PAGE, settings, query)
        return
    if not settings.runs:
        st.info("Choose at least one optimizer in the sidebar to start the race.")
    headline(comparison)
    player(cached_player(settings, comparison), key="compare", hand_back=False)
    results_table(comparison)
    statuses(comparison)
    st.markdown(
        "Several optimizers on one function, compared fairly: **the same start, the same step "
        "budget and the same tolerance**, each with its own learning rate γ. The full paths "
        "are drawn at once; press **▶ Play** (or Space) to watch the markers move together, "
        "step with ← and →, or drag the step slider; the numbers under the chart are each "
        "optimizer's loss at the step shown."
    )
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
        else "No minimum is known for this function, so the right panel shows f itself."
    )
    st.caption(frames + floor)
    st.subheader("Share")
    caption = "This link reproduces the comparison (the address bar holds it too):"
    ui.share_link(query, caption=caption, safe=",")  # commas stay readable in the list
    ui.finish(PAGE, settings, query)


main()
