"""Serving many students from one process: keep Python's garbage collector off the startup heap.

After the first page is drawn, the process holds ~10⁶ long-lived objects (Streamlit, plotly,
pandas, numpy, the caches) that never become garbage. Every full collection (generation 2) walks
all of them: with Streamlit's post-run `gc.collect(2)` that walk was two thirds of the server's
CPU per script run. `gc.freeze()` moves every object alive now into a permanent generation that
collections skip, so a full collection costs O(objects made since), not O(whole heap).

Why once, after a collection: freezing twice would also freeze the cycles of the runs in between
(garbage that could then never be freed); collecting first keeps garbage out of the frozen heap.
Never imports streamlit (gdviz stays a pure engine).
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_startup_heap() -> int:
    """Once per process: collect garbage, then freeze every live object (gc.freeze).

    Returns how many objects were frozen by this call (0 when the heap was frozen already), so a
    caller may log it. Safe to call from every script run and from concurrent sessions.
    """
    global _frozen
    with _lock:
        if _frozen:
            return 0
        gc.collect()
        before = gc.get_freeze_count()
        gc.freeze()
        _frozen = True
        return gc.get_freeze_count() - before
