"""User text made inert for Streamlit's Markdown."""

import re

from hypothesis import given
from hypothesis import strategies as st

from gdviz.views.text import escape_markdown


def test_markdown_and_html_starters_are_escaped():
    assert escape_markdown("[a](b) **c** <i>d</i> $e$ :red[f]") == (
        r"\[a\]\(b\) \*\*c\*\* \<i\>d\<\/i\> \$e\$ \:red\[f\]".replace(r"\/", "/")
    )


@given(st.text())
def test_every_special_character_is_preceded_by_a_backslash(text):
    escaped = escape_markdown(text)
    # Undoing the escapes gives the text back, and no special character stands alone.
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL) == text
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            i += 2
            continue
        assert escaped[i] not in "\\`*_{}[]()#+-.!|<>$:~"
        i += 1
