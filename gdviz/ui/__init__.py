"""The only sub-package that imports streamlit: the page skeleton, cached calls and components."""
