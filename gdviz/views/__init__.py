"""Plain-dict Plotly specs per panel, contours, colours, text escaping, the player's data.

Imports no streamlit."""
