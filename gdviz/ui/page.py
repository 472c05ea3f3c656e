"""The skeleton every page is written on: state from the URL, cached runs, notes, errors,
the share link, and the URL written back.

A page reads like its UI:

    settings, notes = url_state("fit", from_query)     # first visit: the link; then the last
    ...controls (widgets seeded with `ensure`)...
    run = cached(run_line_fit)(...)                    # one cache policy for every page
    ...views...
    finish("fit", records, to_query(...))              # remember, write the URL back

Streamlit forgets the state of widgets that were not drawn (another page was shown), so a
page seeds its widgets from the records it last ran with, not from a one-time flag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from gdviz.views.text import escape_markdown

# One cache policy for every page: enough entries for a class trying settings, freed after an
# hour so a long-running server does not keep every run it ever made.
CACHE = {"max_entries": 32, "ttl": 3600}


def cached(function: Callable) -> Callable:
    """`function` cached for every session: its results are immutable records (frozen
    dataclasses, read-only arrays), so sessions share them rather than copy them. Arguments
    whose names start with `_` are not hashed: pass a key that determines them beside them."""
    return st.cache_resource(**CACHE)(function)


def cached_copy(function: Callable) -> Callable:
    """`function` cached, each session getting its own copy (for mutable results: dicts)."""
    return st.cache_data(**CACHE)(function)


# Static CSS (no user text): a projector's 720 px are for the lesson, not for Streamlit's
# generous top padding and a 2.75rem title.
_COMPACT_CSS = """
<style>
.stMainBlockContainer { padding-top: 3.2rem; padding-bottom: 2rem; }
.stMainBlockContainer h1 { font-size: 1.75rem; padding: 0.2rem 0 0.1rem 0; }
.stMainBlockContainer [data-testid="stAlert"] p { font-size: 0.95rem; }
</style>
"""


def compact_chrome() -> None:
    """The pages' shared look: less padding and a smaller title, so the charts come first."""
    st.html(_COMPACT_CSS)


def url_state(page: str, decode: Callable[[Mapping[str, Any]], tuple]) -> tuple[Any, list[str]]:
    """The page's records: on its first visit in this session, decoded from the URL (with
    notes in words on every value that was not used as is); afterwards, what it last ran with.

    `decode(query)` returns (*records, notes). Returns (records, notes), records a tuple when
    `decode` gives more than one.
    """
    state = st.session_state
    key, notes_key = f"_{page}_last", f"_{page}_notes"
    if key not in state:
        *records, notes = decode(st.query_params.to_dict())
        state[key] = records[0] if len(records) == 1 else tuple(records)
        state[notes_key] = notes
    return state[key], state[notes_key]


def ensure(key: str, value: Any) -> None:
    """Give a widget its value when its state is missing: on the first visit, and after
    another page was shown."""
    if key not in st.session_state:
        st.session_state[key] = value


def budget_controls(
    where, *, keys: tuple[str, str], values: tuple[int, float], max_steps: int, step: int, help: str
) -> None:
    """The step budget and the stopping tolerance every racer shares: two inputs in `where`
    (a sidebar), seeded from `values` (steps, tolerance) under `keys`."""
    ensure(keys[0], int(values[0]))
    where.number_input("Steps", 1, max_steps, step=step, key=keys[0])
    ensure(keys[1], float(values[1]))
    where.number_input("Tolerance", 0.0, 1e6, step=1e-4, format="%g", key=keys[1], help=help)


def show_url_notes(notes: list[str]) -> None:
    for note in notes:
        st.warning(f"From the link: {escape_markdown(note)}")


def show_error(what: str, error: object) -> None:
    """A problem the person can fix, in words: never a traceback, never their text as Markdown."""
    st.error(f"{what}: {escape_markdown(error)}")


def on_demand(label: str, key: str) -> DeltaGenerator | None:
    """A closed expander whose contents are built only once it is opened: the container while
    open, None while closed (opening or closing reruns the page).

    For what the first view does not need: a closed plain expander still draws its contents, so
    the browser loads their code (a data grid's, a code block's: ~0.25 s of a 2-core machine's
    first view) while the lesson is being drawn.
    """
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def share_link(query: Mapping[str, str], *, caption: str, safe: str = "") -> None:
    """The link that reproduces the page, wrapped and with a copy button (st.code's)."""
    base = (st.context.url or "").split("?")[0]
    st.caption(caption)
    st.code(f"{base}?{urlencode(query, safe=safe)}", language=None, wrap_lines=True)


def finish(page: str, records: Any, query: Mapping[str, str]) -> None:
    """Remember what the page ran with and write it into the address bar."""
    st.session_state[f"_{page}_last"] = records
    st.query_params.from_dict(query)
