"""gdviz: watch gradient descent fit a line (the page is built in the next issue)."""

import streamlit as st

st.set_page_config(page_title="gdviz", layout="wide")
st.title("gdviz: gradient descent, step by step")
st.write("The engine is ready; the interactive page is on its way.")
