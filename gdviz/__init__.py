"""gdviz: an exact, stepwise gradient-descent engine and the figures that show it.

Pure numpy/pandas/plotly; never imports streamlit.
"""

from gdviz.errors import GdvizError

__all__ = ["GdvizError"]
