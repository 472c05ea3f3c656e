"""Plain-dict Plotly specs per panel, contours, colours, text escaping and the player's data (no streamlit)."""
