"""gdviz: gradient descent, step by step. The entry point: the pages, declared once.

`streamlit run app.py` serves every page; each lives in pages/ and reads like its UI
(controls -> settings -> run -> views), written on the skeleton in gdviz/ui/page.py.
"""

from __future__ import annotations

import streamlit as st

from gdviz.serving import freeze_startup_heap
from gdviz.ui.page import compact_chrome

st.set_page_config(page_title="gdviz · gradient descent, step by step", layout="wide")
compact_chrome()

PAGES = [
    # No icons: Streamlit fetches Material icons in a page's navigation from the internet, and
    # gdviz must work with none. The compare page's path keeps older shared links working.
    st.Page("pages/fit_a_line.py", title="Fit a line", default=True),
    st.Page(
        "pages/how_the_gradient_is_computed.py",
        title="How the gradient is computed",
        url_path="gradient",
    ),
    st.Page("pages/the_learning_rate.py", title="The learning rate", url_path="learning_rate"),
    st.Page("pages/race_on_your_line.py", title="Optimizers race on your line", url_path="race"),
    st.Page(
        "pages/compare_optimizers.py", title="Compare optimizers", url_path="Compare_optimizers"
    ),
]

st.navigation(PAGES, position="top").run()
# After the first page: later full collections skip the long-lived heap of imports and
# caches (with Streamlit's per-run gc off, see .streamlit/config.toml; deploy/ measures it).
freeze_startup_heap()
