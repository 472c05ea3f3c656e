"""Tests for gdviz.data: generating points, and loading and validating CSV files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import load_or_refusal
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gdviz.data import (
    MAX_MAGNITUDE,
    MAX_ROWS_DEFAULT,
    Points,
    Table,
    choose_columns,
    generate_points,
    load_csv,
    read_table,
)
from gdviz.errors import GdvizError

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# No pandas or numpy warning may reach the person loading a file.
pytestmark = pytest.mark.filterwarnings("error")


def _error(source: object, **kwargs: object) -> str:
    """The message load_csv raises for `source`."""
    with pytest.raises(GdvizError) as caught:
        load_csv(source, **kwargs)
    return str(caught.value)


def _assert_clean(points: Points) -> None:
    for values in (points.x, points.y):
        assert values.dtype == np.float64
        assert values.ndim == 1
        assert values.flags.c_contiguous
        assert not values.flags.writeable
    assert points.n == len(points.x) == len(points.y)


# --- generate_points --------------------------------------------------------------------------


def test_generate_same_seed_same_points_and_other_seed_differs():
    first = generate_points(50, seed=7, outliers=0.1)
    again = generate_points(50, seed=7, outliers=0.1)
    other = generate_points(50, seed=8, outliers=0.1)
    assert first == again
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    assert first != other
    assert not np.array_equal(first.x, other.x)


def test_generate_rng_replaces_seed():
    from_rng = generate_points(20, seed=0, rng=np.random.default_rng(5))
    assert from_rng == generate_points(20, seed=5)


def test_generate_shape_range_and_arrays():
    points = generate_points(123, x_min=-3.0, x_max=4.0, seed=1)
    _assert_clean(points)
    assert points.n == 123
    assert (points.x_name, points.y_name, points.dropped, points.note) == ("x", "y", 0, "")
    assert points.x.min() >= -3.0 and points.x.max() <= 4.0
    assert not np.all(np.diff(points.x) >= 0), "x keeps draw order, it is not sorted"


def test_generate_noise_zero_lies_exactly_on_the_line():
    points = generate_points(200, slope=-1.5, intercept=0.25, noise=0.0, seed=3)
    np.testing.assert_array_equal(points.y, -1.5 * points.x + 0.25)


def test_generate_x_depends_only_on_seed_n_and_range():
    plain = generate_points(100, noise=0.0, seed=4)
    busy = generate_points(100, slope=9.0, noise=3.0, seed=4, outliers=0.3)
    np.testing.assert_array_equal(plain.x, busy.x)


@pytest.mark.parametrize(("fraction", "expected"), [(0.0, 0), (0.1, 10), (0.25, 25), (0.5, 50)])
def test_generate_outlier_fraction_and_shift(fraction, expected):
    points = generate_points(100, slope=2.0, intercept=1.0, noise=0.0, seed=2, outliers=fraction)
    residual = points.y - (2.0 * points.x + 1.0)
    moved = np.abs(residual) > 1e-9
    assert moved.sum() == expected
    # shift = 10 * noise + 5 * |slope| * (x_max - x_min) = 100 here
    np.testing.assert_allclose(np.abs(residual[moved]), 100.0)
    assert ("outliers" in points.note) == (expected > 0)


def test_generate_outliers_stand_out_of_noise():
    points = generate_points(1000, noise=1.0, seed=11, outliers=0.05)
    residual = np.abs(points.y - (2.0 * points.x + 1.0))
    assert (residual > 50.0).sum() == 50


def test_generate_outliers_visible_on_a_flat_noiseless_line():
    points = generate_points(10, slope=0.0, intercept=3.0, noise=0.0, outliers=0.5)
    assert (np.abs(points.y - 3.0) == 1.0).sum() == 5


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n": 1}, "between 2 and 1,000,000; got 1"),
        ({"n": MAX_ROWS_DEFAULT + 1}, "between 2 and 1,000,000"),
        ({"n": 2.5}, "whole number"),
        ({"n": True}, "whole number"),
        ({"n": 11, "max_points": 10}, "between 2 and 10"),
        ({"slope": float("nan")}, "slope must be a finite number"),
        ({"intercept": float("inf")}, "intercept must be a finite number"),
        ({"slope": "2"}, 'slope must be a number; got "2"'),
        ({"noise": -1.0}, "noise must be 0 or more"),
        ({"x_min": 1.0, "x_max": 1.0}, "x_min (1.0) must be less than x_max (1.0)"),
        ({"x_min": 5.0, "x_max": 1.0}, "must be less than x_max"),
        ({"x_min": -1e308, "x_max": 1e308}, "too wide"),
        ({"outliers": 0.6}, "between 0 and 0.5; got 0.6"),
        ({"outliers": -0.1}, "between 0 and 0.5"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"slope": 1e308, "x_max": 1e10}, "too large to compute with"),
    ],
)
def test_generate_rejects_bad_settings(kwargs, words):
    with pytest.raises(GdvizError) as caught:
        generate_points(**kwargs)
    assert words in str(caught.value)


def test_generate_max_points_raises_the_limit():
    assert generate_points(MAX_ROWS_DEFAULT + 1, max_points=MAX_ROWS_DEFAULT + 1).n == (
        MAX_ROWS_DEFAULT + 1
    )


# --- Points -----------------------------------------------------------------------------------


def test_points_keep_their_own_read_only_copies():
    x = np.array([1, 2, 3])
    y = [4.0, 5.0, 6.0]
    points = Points(x=x, y=y)
    x[0] = 100
    assert points.x[0] == 1.0
    _assert_clean(points)
    with pytest.raises(ValueError):
        points.x[0] = 5.0
    with pytest.raises(AttributeError):
        points.x_name = "z"  # type: ignore[misc]


def test_points_reject_mismatched_shapes():
    with pytest.raises(ValueError):
        Points(x=[1.0, 2.0], y=[1.0])
    with pytest.raises(ValueError):
        Points(x=[[1.0, 2.0]], y=[[1.0, 2.0]])


# --- load_csv: formats ------------------------------------------------------------------------

ROWS = [(1.5, 2.0), (-3.0, 4.25), (5.0, -6.5), (7.0, 8e-3)]


def _csv(delimiter: str, header: bool, newline: str = "\n") -> bytes:
    lines = ([f"x{delimiter}y"] if header else []) + [f"{x!r}{delimiter}{y!r}" for x, y in ROWS]
    return (newline.join(lines) + newline).encode()


@pytest.mark.parametrize("delimiter", [",", ";", "\t", " ", "   "])
@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_load_each_delimiter_with_and_without_header(delimiter, header, newline):
    points = load_csv(_csv(delimiter, header, newline))
    _assert_clean(points)
    np.testing.assert_array_equal(points.x, [x for x, _ in ROWS])
    np.testing.assert_array_equal(points.y, [y for _, y in ROWS])
    names = ("x", "y") if header else ("column 1", "column 2")
    assert (points.x_name, points.y_name) == names
    assert (points.dropped, points.note) == (0, "")


def test_load_whitespace_aligned_columns_with_leading_spaces():
    data = b"   x      y\n   1.0    2.0\n  10.0   20.5\n 100.0  200.0\n"
    points = load_csv(data)
    np.testing.assert_array_equal(points.x, [1.0, 10.0, 100.0])
    np.testing.assert_array_equal(points.y, [2.0, 20.5, 200.0])


def test_load_utf8_bom_is_stripped_from_first_name():
    points = load_csv(b"\xef\xbb\xbfheight,weight\r\n1,2\r\n3,4\r\n")
    assert (points.x_name, points.y_name) == ("height", "weight")


def test_load_utf16_with_bom():
    points = load_csv("a\tb\n1\t2\n3\t5\n".encode("utf-16"))
    assert (points.x_name, points.n) == ("a", 2)


def test_load_non_utf8_text_falls_back_to_windows_1252():
    points = load_csv("température,€\n1,2\n3,4\n".encode("cp1252"))
    assert (points.x_name, points.y_name) == ("température", "€")


def test_load_old_mac_line_ends_and_no_final_newline():
    points = load_csv(b"x,y\r1,2\r3,4")
    np.testing.assert_array_equal(points.x, [1.0, 3.0])


def test_load_spaces_around_values_and_quotes():
    points = load_csv(b'"x", "y"\n 1 , "2"\n3,  4 \n')
    assert (points.x_name, points.y_name) == ("x", "y")
    np.testing.assert_array_equal(points.y, [2.0, 4.0])


def test_load_integers_become_float64():
    points = load_csv(b"1,2\n3,4\n")
    assert points.x.dtype == np.float64


def test_load_blank_and_duplicate_header_names():
    table = read_table(b"x,,x\n1,2,3\n4,5,6\n")
    assert list(table.frame.columns) == ["x", "column 2", "x (column 3)"]


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(lambda data, tmp: data, id="bytes"),
        pytest.param(lambda data, tmp: bytearray(data), id="bytearray"),
        pytest.param(lambda data, tmp: io.BytesIO(data), id="BytesIO"),
        pytest.param(lambda data, tmp: io.BufferedReader(io.BytesIO(data)), id="read-only"),
        pytest.param(lambda data, tmp: io.StringIO(data.decode()), id="text-file"),
        pytest.param(lambda data, tmp: _write(tmp, data), id="Path"),
        pytest.param(lambda data, tmp: str(_write(tmp, data)), id="str-path"),
    ],
)
def test_load_from_each_kind_of_source(make_source, tmp_path):
    points = load_csv(make_source(b"x,y\n1,2\n3,4\n", tmp_path))
    np.testing.assert_array_equal(points.x, [1.0, 3.0])


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "points.csv"
    path.write_bytes(data)
    return path


def test_load_rejects_a_source_that_is_not_a_file():
    with pytest.raises(TypeError):
        load_csv(12345)  # type: ignore[arg-type]


# --- load_csv: choosing columns ---------------------------------------------------------------

WIDE = b"name,a,b,c\nann,1,10,100\nbob,2,20,200\ncy,3,30,300\n"


def test_default_is_first_two_numeric_columns_after_a_text_column():
    points = load_csv(WIDE)
    assert (points.x_name, points.y_name) == ("a", "b")
    np.testing.assert_array_equal(points.x, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("x", "y", "names"),
    [
        ("c", "a", ("c", "a")),
        (3, 1, ("c", "a")),
        ("b", None, ("b", "a")),
        (None, "a", ("b", "a")),
        (2, "c", ("b", "c")),
    ],
)
def test_choose_by_name_or_position(x, y, names):
    points = load_csv(WIDE, x=x, y=y)
    assert (points.x_name, points.y_name) == names


def test_a_string_of_digits_is_a_name_not_a_position():
    data = b"t,0,1\n1,10,100\n2,20,200\n3,30,300\n"
    assert load_csv(data, x="1", y="t").x_name == "1"
    assert load_csv(data, x=1, y="t").x_name == "0"


def test_read_table_then_choose_columns():
    table = read_table(WIDE)
    assert isinstance(table, Table)
    assert table.has_header
    assert table.numeric_columns == ("a", "b", "c")
    assert list(table.frame.index) == [2, 3, 4], "the index is the row number in the file"
    assert list(table.frame["name"]) == ["ann", "bob", "cy"]
    assert all(table.frame[name].dtype == np.float64 for name in table.numeric_columns)
    assert choose_columns(table, "c", "b") == load_csv(WIDE, x="c", y="b")
    before = table.frame.copy()
    choose_columns(table)
    pd.testing.assert_frame_equal(table.frame, before)


# --- load_csv: missing values -----------------------------------------------------------------


def test_missing_and_infinite_rows_are_dropped_and_named():
    data = b"x,y\n1,2\n2,\n3,4\n,5\n5,inf\n6,NaN\n7,-Infinity\n8,NA\n9,10\n"
    points = load_csv(data)
    np.testing.assert_array_equal(points.x, [1.0, 3.0, 9.0])
    np.testing.assert_array_equal(points.y, [2.0, 4.0, 10.0])
    assert points.dropped == 6
    assert points.note == (
        "Dropped 6 rows with missing or infinite values (lines 3, 5, 6, 7, 8, 9 of the file)."
    )


def test_one_dropped_row_is_singular():
    assert load_csv(b"1,2\n3,\n5,6\n").note == (
        "Dropped 1 row with missing or infinite values (line 2 of the file)."
    )


def test_many_dropped_rows_are_summarised():
    data = b"x,y\n" + b"1,2\n3,4\n" + b"nan,\n" * 25
    points = load_csv(data)
    assert points.dropped == 25
    assert "(lines 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 and 15 more of the file)" in points.note


def test_lines_without_values_are_skipped_without_counting_and_rows_keep_file_numbers():
    data = b"\n\nx,y\n\n1,2\n\n3,abc\n\n"
    points = load_csv(b"\n\nx,y\n\n1,2\n  \r\n3,4\n\n,\n\n \n")
    assert (points.n, points.dropped) == (2, 1)
    assert "(line 9 of the file)" in points.note
    assert "on line 7 of the file" in _error(data, y="y")


def test_missing_markers_pandas_does_not_know_are_still_missing():
    points = load_csv(b"x,y\n1,NAN\n2,3\n4,5\n6,N/A\n")
    assert (points.n, points.dropped) == (2, 2)


def test_spreadsheet_export_with_empty_trailing_rows():
    points = load_csv(b"x;y;\r\n1;2;\r\n3;4;\r\n;;\r\n;;\r\n")
    assert (points.x_name, points.y_name, points.n, points.dropped) == ("x", "y", 2, 2)


def test_data_after_many_blank_lines_is_found():
    assert load_csv(b"\n" * 70_000 + b"x,y\n1,2\n3,4\n").n == 2


def test_missing_values_in_an_unused_column_do_not_drop_rows():
    points = load_csv(b"x,y,z\n1,2,\n3,4,\n", x="x", y="y")
    assert points.dropped == 0


# --- load_csv: errors -------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\n\r\n", b" \t \n"])
def test_error_empty_file(data):
    assert "The file is empty" in _error(data)


@pytest.mark.parametrize("data", [b"1\n2\n3\n", b"x\n1\n2\n", b"1|2\n3|4\n"])
def test_error_only_one_column(data):
    message = _error(data)
    assert "only one column" in message
    assert "commas, semicolons, tabs or spaces" in message


def test_error_no_numeric_columns_says_why():
    message = _error(b"name,city\nann,paris\nbob,rome\n")
    assert "No column of this file holds only numbers" in message
    assert 'Column "column 1" has text "name" on line 1 of the file' in message
    message = _error(b"x,y\n1,a\n,b\n", x="x")
    assert 'Column "y" has text "a" on line 2 of the file' in message


def test_error_text_in_a_chosen_column_names_column_row_and_value():
    data = b"x,y\n1,2\n3,4\n5,6\n7,8\n9,10\n11,abc\n13,14\n"
    assert _error(data, x="x", y="y") == (
        'Column "y" has text "abc" on line 7 of the file; every value must be a number.'
    )


def test_error_default_choice_lists_rejected_columns():
    message = _error(b"x,y\n1,2\n3,oops\n5,6\n")
    assert "needs two columns of numbers" in message
    assert 'only column "x" holds only numbers' in message
    assert 'Column "y" has text "oops" on line 3 of the file' in message


def test_error_empty_column_chosen():
    assert 'Column "z" has no numbers' in _error(b"x,y,z\n1,2,\n3,4,\n", x="x", y="z")


def test_decimal_comma_is_read_and_said():
    # Was test_error_decimal_comma_gets_a_hint, which expected a refusal: issue 9 asks that
    # decimal commas with ";" separators (Excel in most of Europe) be read, and said.
    points = load_csv(b"x;y\n1,5;2\n3;4\n", x="x", y="y")
    np.testing.assert_array_equal(points.x, [1.5, 3.0])
    assert points.notes == ('Column "x": read decimal commas ("1,5" is 1.5).',)


def test_error_true_false_are_words_not_numbers():
    assert 'has text "True" on line 2 of the file' in _error(
        b"x,y\n1,True\n2,False\n", x="x", y="y"
    )


def test_error_long_values_are_cut_short():
    long_value = "w" * 5000
    message = _error(f"x,y\n1,2\n3,{long_value}\n".encode(), x="x", y="y")
    assert '"' + "w" * 40 + '..."' in message
    assert len(message) < 200


def test_error_fewer_than_two_points():
    assert "gdviz needs at least 2 points" in _error(b"x,y\n1,2\n")
    message = _error(b"x,y\n1,2\n3,\n,4\n")
    assert "Only 1 row has numbers in both" in message
    assert "(lines 3, 4 of the file)" in message


def test_error_header_without_data():
    assert "no rows of numbers under it" in _error(b"x,y\n")


def test_error_all_x_equal():
    message = _error(b"x,y\n3,1\n3,2\n3,5\n")
    assert "Every x is 3.0" in message
    assert "the slope is undefined" in message


def test_error_more_rows_than_max_rows():
    message = _error(b"1,2\n3,4\n5,6\n", max_rows=2)
    assert message == "The file has more than 2 rows; gdviz reads at most 2."
    assert load_csv(b"1,2\n3,4\n", max_rows=2).n == 2


def test_error_message_for_the_default_row_limit():
    data = b"1,2\n" * (MAX_ROWS_DEFAULT + 1)
    assert _error(data) == ("The file has more than 1,000,000 rows; gdviz reads at most 1,000,000.")


def test_error_unknown_column_name_lists_the_columns():
    message = _error(WIDE, x="radio")
    assert 'no column named "radio"' in message
    assert '"name", "a", "b", "c"' in message


@pytest.mark.parametrize("position", [4, -1, 99])
def test_error_position_out_of_range(position):
    message = _error(WIDE, x=position)
    assert f"no column at position {position}" in message
    assert "0 to 3" in message


def test_error_x_and_y_the_same_column():
    assert "x and y are both column" in _error(WIDE, x="a", y=1)


def test_error_bad_column_spec_type():
    assert "by column name or 0-based position" in _error(WIDE, x=1.5)  # type: ignore[arg-type]


def test_error_max_bytes(tmp_path):
    data = b"x,y\n1,2\n3,4\n"
    assert "larger than 5 bytes" in _error(data, max_bytes=5)
    assert "larger than 5 bytes" in _error(_write(tmp_path, data), max_bytes=5)
    with pytest.raises(GdvizError, match="larger than 5 bytes"):
        read_table(io.BufferedReader(io.BytesIO(data)), max_bytes=5)
    assert read_table(data, max_bytes=len(data)).numeric_columns == ("x", "y")


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="png"),
        pytest.param(_zip_bytes(), id="xlsx-zip"),
        pytest.param(bytes(range(1, 32)) * 10, id="control-bytes"),
        pytest.param(b"x,y\n1,2\x00\n3,4\n", id="nul"),
    ],
)
def test_error_binary_file(data):
    assert "not a text CSV file (it looks like binary data" in _error(data)


def test_error_ragged_rows():
    assert "line 3 has 3 values, but the lines above it have 2" in _error(b"1,2\n3,4\n5,6,7\n")


def test_error_unclosed_quote():
    assert "Could not read this file as CSV" in _error(b'x,y\n1,"2\n3,4\n')


def test_error_missing_file(tmp_path):
    message = _error(tmp_path / "nope.csv")
    assert "Could not open the file" in message
    assert "nope.csv" in message
    assert "pass it as bytes" in _error("x,y\n1,2\n")


# --- the shared reference data ----------------------------------------------------------------


def _shared(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"reference data {path} is absent (it lives outside the repository)")
    return path


def test_reference_gradient_descent_example():
    points = load_csv(_shared("gradient_descent_example.csv"))
    assert points.n == 100
    assert points.x[0] == 32.502345269453031
    assert (points.x_name, points.y_name) == ("column 1", "column 2")
    assert points.dropped == 0


def test_reference_advertising():
    path = _shared("advertising_islr.csv")
    table = read_table(path)
    assert table.has_header
    assert table.numeric_columns == ("TV", "radio", "newspaper", "sales")
    points = choose_columns(table, x="radio", y="sales")
    assert points.n == 200
    assert (points.x_name, points.y_name) == ("radio", "sales")
    assert (points.x[0], points.y[0]) == (37.8, 22.1)


# --- properties -------------------------------------------------------------------------------

# Every float a fit takes (beyond ±MAX_MAGNITUDE a file is refused in words, tested above).
finite = st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE)


@settings(max_examples=150, deadline=None)
@given(
    pairs=st.lists(st.tuples(finite, finite), min_size=2, max_size=30),
    delimiter=st.sampled_from([",", ";", "\t", " ", "  "]),
    header=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_property_written_floats_load_back_exactly(pairs, delimiter, header, newline):
    xs = np.array([x for x, _ in pairs])
    assume(xs.min() != xs.max())
    lines = ([f"x{delimiter}y"] if header else []) + [f"{x!r}{delimiter}{y!r}" for x, y in pairs]
    points = load_csv((newline.join(lines) + newline).encode())
    np.testing.assert_array_equal(points.x, xs)
    np.testing.assert_array_equal(points.y, [y for _, y in pairs])
    assert points.dropped == 0


csv_like_text = st.text(alphabet=st.sampled_from(list('0123456789.,;\t \n\r-+eE"xyNaif#')))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_property_any_bytes_load_or_raise_gdviz_error(data):
    load_or_refusal(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(st.text(max_size=300), csv_like_text),
    x=st.one_of(st.none(), st.integers(-1, 3), st.sampled_from(["x", "y", "1"])),
    y=st.one_of(st.none(), st.integers(-1, 3), st.sampled_from(["x", "y", "0"])),
)
def test_property_any_text_loads_or_raises_gdviz_error(text, x, y):
    load_or_refusal(text.encode("utf-8"), x, y)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (b"x,y\n1,2\n2e151,3\n3,5\n", 'x (column "x") has 2e+151 on line 3'),
        (b"a,b\n1,2\n2,-3e200\n3,5\n", 'y (column "b") has -3e+200 on line 3'),
    ],
)
def test_values_whose_squares_would_overflow_are_refused_in_words(text, said):
    with pytest.raises(GdvizError) as refused:
        load_csv(text)
    message = str(refused.value)
    assert said in message and "between -1e+150 and 1e+150" in message


def test_the_largest_values_taken_fit_without_overflow():
    """At the limit, with the most rows a file may have, the sums of squares stay finite."""
    from gdviz.linefit.run import run_line_fit
    from gdviz.linefit.settings import LineFitSettings

    points = load_csv(f"x,y\n{-MAX_MAGNITUDE:g},1\n{MAX_MAGNITUDE:g},{MAX_MAGNITUDE:g}\n".encode())
    assert points.x.max() == MAX_MAGNITUDE
    worst = MAX_ROWS_DEFAULT * MAX_MAGNITUDE**2
    assert np.isfinite(worst)
    with np.errstate(all="raise"):  # no overflow anywhere on the way
        run = run_line_fit(points, LineFitSettings(dataset="upload", steps=5, scale=True))
    assert run.trajectory.status in ("converged", "max_steps", "diverged")
