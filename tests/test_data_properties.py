"""Property tests for the loader (issue 9): any bytes give points or GdvizError, never another
exception and never a hang; tables written the ways real tools write them load back exactly,
and messages name the line an editor shows."""

from __future__ import annotations

import io
import signal

import numpy as np
import pandas as pd
import pytest
from helpers import load_or_refusal, no_hang
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gdviz.data import load_csv, read_table
from gdviz.errors import GdvizError

pytestmark = pytest.mark.filterwarnings("error")

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The characters that steer the new rules: separators, decimal marks, quotes, comments, dates.
real_file_text = st.text(
    alphabet=st.sampled_from(list("0123456789.,;\t \n\r-+eE\"'#:/xyNaT\xa0ü")), max_size=400
)
real_file_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                '"","x","y"',
                ",x,y",
                '"x" "y"',
                "sep=;",
                "# x y",
                "#",
                "1960,1961,1962",
                "Country,1960,1961",
                '"a\nb",1,2',
                "2020-01-15,3",
                "15.01.2020;4,5",
                "03/04/2020,1",
                "13:45:00 2",
                '"60,323",1',
                "1.031;2,5",
                "1 234,5;7",
                "",
            ]
        ),
        st.tuples(
            st.sampled_from([",", ";", "\t", " "]),
            st.lists(
                st.one_of(
                    st.floats(allow_nan=False, allow_infinity=False).map(repr),
                    st.integers(-5000, 5000).map(str),
                    st.sampled_from(["", "NA", "inf", "abc", "1,5", "2.500", '"7"', "x y"]),
                ),
                min_size=1,
                max_size=4,
            ),
        ).map(lambda parts: parts[0].join(parts[1])),
    ),
    max_size=12,
).map(lambda lines: "\n".join(lines))


@FUZZ
@given(data=st.binary(max_size=400))
def test_property_any_bytes_load_or_raise_gdviz_error(data):
    load_or_refusal(data)


@FUZZ
@given(
    text=st.one_of(real_file_text, st.text(max_size=300)),
    x=st.one_of(st.none(), st.integers(-1, 3), st.sampled_from(["x", "date", "1960"])),
    y=st.one_of(st.none(), st.integers(-1, 3), st.sampled_from(["y", "0"])),
)
def test_property_real_file_characters_load_or_raise_gdviz_error(text, x, y):
    for encoding in ("utf-8", "cp1252"):
        load_or_refusal(text.encode(encoding, "replace"), x, y)


@FUZZ
@given(text=real_file_lines)
def test_property_real_file_lines_load_or_raise_gdviz_error(text):
    load_or_refusal(text.encode())


# --- round trips ------------------------------------------------------------------------------

moderate = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda v: round(v, 3))


def _european(value: float) -> str:
    """How German Excel writes a number: dots for thousands, a comma for the decimals."""
    return f"{value:,.3f}".replace(",", "_").replace(".", ",").replace("_", ".")


@settings(max_examples=120, deadline=None)
@given(
    pairs=st.lists(st.tuples(moderate, moderate), min_size=2, max_size=25),
    delimiter=st.sampled_from([";", "\t"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]),
)
def test_property_european_numbers_load_back_exactly(pairs, delimiter, encoding):
    xs = np.array([float(f"{x:.3f}") for x, _ in pairs])
    assume(xs.min() != xs.max())
    lines = [f"Größe{delimiter}Gewicht"]
    lines += [f"{_european(x)}{delimiter}{_european(y)}" for x, y in pairs]
    points = load_csv(("\r\n".join(lines) + "\r\n").encode(encoding))
    np.testing.assert_array_equal(points.x, xs)
    np.testing.assert_array_equal(points.y, [float(f"{y:.3f}") for _, y in pairs])
    assert (points.x_name, points.y_name) == ("Größe", "Gewicht")


@settings(max_examples=80, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=2, max_size=25),
    first_index=st.integers(0, 1000),
    step=st.integers(1, 7),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_property_pandas_to_csv_with_its_index_loads_the_real_columns(
    pairs, first_index, step, sep
):
    xs = np.array([x for x, _ in pairs])
    assume(xs.min() != xs.max())
    index = range(first_index, first_index + step * len(pairs), step)
    frame = pd.DataFrame({"x": xs, "y": [y for _, y in pairs]}, index=list(index))
    points = load_csv(frame.to_csv(sep=sep).encode())
    assert (points.x_name, points.y_name) == ("x", "y")
    np.testing.assert_array_equal(points.x, xs)
    assert "Skipped column 1" in points.notes[0]


@settings(max_examples=80, deadline=None)
@given(
    rows=st.integers(2, 30),
    bad_row=st.data(),
    extras=st.lists(st.sampled_from(["blank", "comment", "multiline"]), max_size=30),
)
def test_property_messages_name_the_line_an_editor_shows(rows, bad_row, extras):
    """Blank lines, comment lines and quoted cells spanning lines anywhere: the text cell is
    reported on the line where it is in the file."""
    bad = bad_row.draw(st.integers(0, rows - 1))
    lines = ["x,y,note"]
    target = 0
    for i in range(rows):
        if i < len(extras) and extras[i] == "blank":
            lines.append("")
        elif i < len(extras) and extras[i] == "comment":
            lines.append("# a comment, with commas")
        note = '"two\nlines"' if i < len(extras) and extras[i] == "multiline" else "n"
        if i == bad:
            target = sum(line.count("\n") + 1 for line in lines) + 1
        lines.append(f"{i},{'oops' if i == bad else i * 2},{note}")
    data = ("\n".join(lines) + "\n").encode()
    with pytest.raises(GdvizError) as caught:
        load_csv(data, x="x", y="y")
    assert f'Column "y" has text "oops" on line {target} of the file' in str(caught.value)
    assert list(read_table(data).frame.index)[bad] == target


def test_property_helpers_fail_loudly_on_a_hang():
    with pytest.raises(AssertionError, match="a hang"), no_hang():
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        while True:
            io.StringIO("busy")
