"""Files as real tools write them (issue 9): each loads right and says what was decided, or is
refused with a message naming the problem, the column and the line an editor shows.

Each file is built in the test the way the tool builds it: pandas files by pandas itself; R,
Excel, numpy and World-Bank files byte for byte as those tools write them.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from gdviz.data import Points, choose_columns, load_csv, read_table, upload_rules_text
from gdviz.errors import GdvizError

pytestmark = pytest.mark.filterwarnings("error")

CARS = [("Mazda RX4", 21.0, 2.62), ("Datsun 710", 22.8, 2.32), ("Valiant", 18.1, 3.46)]


def _error(source: bytes, **kwargs: object) -> str:
    with pytest.raises(GdvizError) as caught:
        load_csv(source, **kwargs)
    return str(caught.value)


# --- an unnamed leading index column ------------------------------------------------------


def test_r_write_csv_row_names_are_skipped_and_said():
    # write.csv(mtcars[, c("mpg", "wt")]): row names under an empty, quoted header.
    lines = ['"","mpg","wt"'] + [f'"{name}",{mpg},{wt}' for name, mpg, wt in CARS]
    table = read_table(("\r\n".join(lines) + "\r\n").encode())
    assert list(table.frame.columns) == ["mpg", "wt"]
    assert table.numeric_columns == ("mpg", "wt")
    points = choose_columns(table)
    assert (points.x_name, points.y_name) == ("mpg", "wt")
    np.testing.assert_array_equal(points.x, [21.0, 22.8, 18.1])
    assert points.notes[0] == (
        "Skipped column 1: it has no name and holds row labels, a row index as R's write.csv "
        "and pandas' to_csv write."
    )
    assert points.note.startswith("Skipped column 1")


def test_r_write_csv_numeric_row_names_are_skipped():
    lines = ['"","x","y"'] + [f'"{i}",{i * 0.5},{i * 2 + 1}' for i in range(1, 6)]
    points = load_csv(("\n".join(lines) + "\n").encode())
    assert (points.x_name, points.y_name) == ("x", "y")
    np.testing.assert_array_equal(points.x, [0.5, 1.0, 1.5, 2.0, 2.5])
    assert "holds the row numbers 1 to 5" in points.notes[0]


@pytest.mark.parametrize("rows", [range(6), [3, 7, 12, 20, 21, 40]], ids=["0..N-1", "filtered"])
def test_pandas_to_csv_index_is_skipped(rows):
    frame = pd.DataFrame({"height": [1.5, 1.6, 1.7, 1.8, 1.9, 2.0]}, index=list(rows))
    frame["weight"] = frame["height"] * 40.0
    data = frame.to_csv().encode()
    assert data.startswith(b",height,weight")
    points = load_csv(data)
    assert (points.x_name, points.y_name) == ("height", "weight")
    np.testing.assert_array_equal(points.x, frame["height"].to_numpy())
    assert f"the row numbers {rows[0]} to {rows[-1]}" in points.notes[0]


def test_pandas_file_saved_again_has_an_unnamed_index_too():
    first = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 7.0]}).to_csv()
    again = pd.read_csv(io.StringIO(first)).to_csv(index=False)  # header "Unnamed: 0,a,b"
    assert again.startswith("Unnamed: 0,")
    points = load_csv(again.encode())
    assert (points.x_name, points.y_name) == ("a", "b")


def test_unnamed_first_column_that_is_data_is_kept():
    # Not increasing: an unnamed column of measurements, not an index.
    points = load_csv(b",y\n3.5,1\n1.25,2\n2,3\n")
    assert (points.x_name, points.y_name) == ("column 1", "y")
    assert points.notes == ()


# --- a header one field short ---------------------------------------------------------------


def test_r_write_table_header_one_short_names_the_right_columns():
    # write.table(mtcars[, c("mpg", "wt")]): space-separated, quoted, no name over row names.
    lines = ['"mpg" "wt"'] + [f'"{name}" {mpg} {wt}' for name, mpg, wt in CARS]
    points = load_csv(("\n".join(lines) + "\n").encode())
    assert (points.x_name, points.y_name) == ("mpg", "wt")
    np.testing.assert_array_equal(points.x, [21.0, 22.8, 18.1])
    np.testing.assert_array_equal(points.y, [2.62, 2.32, 3.46])
    assert points.notes[0].startswith(
        "The header (line 1) has one name fewer than the rows have values, as R's write.table "
        "writes: the names belong to the columns after it. Column 1 holds row labels"
    )


def test_r_write_table_with_row_numbers():
    lines = ['"x" "y"'] + [f'"{i}" {i * 1.5} {i * i}' for i in range(1, 5)]
    table = read_table(("\n".join(lines) + "\n").encode())
    assert table.numeric_columns == ("x", "y")
    np.testing.assert_array_equal(table.frame["y"], [1.0, 4.0, 9.0, 16.0])


def test_header_short_over_data_that_is_no_index_is_refused():
    message = _error(b"x,y\n0.5,2,3\n0.25,4,5\n0.75,6,7\n")
    assert message.startswith('The header (line 1) has 2 names ("x", "y"), but the rows below')
    assert "have 3 values (line 2" in message
    assert "cannot tell which name belongs to which column" in message


def test_trailing_separator_on_data_lines_only_is_harmless():
    points = load_csv(b"x;y\n1;2;\n3;5;\n")
    assert (points.x_name, points.y_name, points.n) == ("x", "y", 2)


# --- decimal commas, thousands separators, Excel in Europe ------------------------------------


def test_german_excel_export_cp1252_decimal_commas_and_thousands():
    text = (
        "Monat;Ausgaben für Lebensmittel;Einkommen\r\n"
        "1;245,50;1.031\r\n2;251,75;2.450,5\r\n3;260,10;12.000\r\n4;238,00;3.100,25\r\n"
    )
    table = read_table(text.encode("cp1252"))
    assert table.numeric_columns == ("Monat", "Ausgaben für Lebensmittel", "Einkommen")
    np.testing.assert_array_equal(table.frame["Einkommen"], [1031.0, 2450.5, 12000.0, 3100.25])
    points = choose_columns(table, "Ausgaben für Lebensmittel", "Einkommen")
    np.testing.assert_array_equal(points.x, [245.5, 251.75, 260.1, 238.0])
    assert points.notes == (
        'Column "Ausgaben für Lebensmittel": read decimal commas ("245,5" is 245.5).',
        'Column "Einkommen": read decimal commas ("2.450,5" is 2450.5) and thousands '
        'separators ("1.031" is 1031.0).',
    )


def test_excel_sep_line_and_whole_number_columns_are_not_misread():
    # Some columns are whole numbers: the file is still read with decimal commas throughout.
    text = "sep=;\r\nJahr;Menge;Preis\r\n2019;12;3,5\r\n2020;15;3,75\r\n2021;11;4,2\r\n"
    table = read_table(text.encode("cp1252"))
    assert list(table.frame.columns) == ["Jahr", "Menge", "Preis"]
    np.testing.assert_array_equal(table.frame["Preis"], [3.5, 3.75, 4.2])
    assert table.notes == ('Line 1 sets the separator (";"), as Excel writes it.',)


def test_french_excel_export_with_no_break_space_thousands():
    text = "x;revenu\r\n1;1\xa0234,5\r\n2;12\xa0000\r\n3;987,25\r\n"
    points = load_csv(text.encode("cp1252"))
    np.testing.assert_array_equal(points.y, [1234.5, 12000.0, 987.25])
    assert points.notes == (
        'Column "revenu": read decimal commas and thousands separators ("1 234,5" is 1234.5).',
    )


def test_quoted_thousands_in_a_comma_file():
    # The Longley data as commonly published: quoted "60,323" in a comma-separated file.
    data = (
        b'Year,GNP,Employed\n1947,"234,289","60,323"\n1948,"259,426","61,122"\n'
        b'1949,"258,054","60,171"\n'
    )
    points = load_csv(data, x="GNP", y="Employed")
    np.testing.assert_array_equal(points.x, [234289.0, 259426.0, 258054.0])
    np.testing.assert_array_equal(points.y, [60323.0, 61122.0, 60171.0])
    assert 'Column "GNP": read thousands separators ("234,289" is 234289.0).' in points.notes


def test_ambiguous_thousands_dot_is_refused_naming_column_value_and_line():
    data = b"a;b\n1;1.031\n2;2.500\n3;7\n"
    table = read_table(data)
    assert table.numeric_columns == ("a",)
    reason = (
        'Column "b" has "1.031" on line 2, which could be 1.031 or 1031 (with a thousands '
        "separator), and no other number in the file says which."
    )
    assert f'Column "b" is not offered for x or y: {reason}' in table.notes
    assert _error(data, x="a", y="b") == reason


def test_three_decimals_after_a_leading_zero_are_decimals_in_any_file():
    # No thousands separator follows a leading 0, so 0.125 decides the column: 1.375 is 1.375.
    points = load_csv(b"a;b\n0.125;1\n1.375;2\n2.500;3\n")
    np.testing.assert_array_equal(points.x, [0.125, 1.375, 2.5])
    assert points.notes == ()


def test_a_column_mixing_decimal_points_and_commas_is_refused():
    message = _error(b"x;y\n1;1,5\n2;2.25\n3;3,5\n", x="x", y="y")
    assert message == (
        'Column "y" mixes decimal points ("2.25" on line 3) and decimal commas ("1,5" on line 2), '
        "so its numbers cannot be read for sure."
    )


def test_late_decimal_point_in_a_decimal_comma_column_is_named():
    rows = "".join(f"{i};{i},5\n" for i in range(1, 2_100))
    data = ("x;y\n" + rows + "2100;7.25\n").encode()
    message = _error(data, x="x", y="y")
    assert message.startswith('Column "y" has "7.25" on line 2101, written with decimal points')


# --- comment lines ----------------------------------------------------------------------------


def test_numpy_savetxt_header_comment_names_the_columns():
    buffer = io.StringIO()
    np.savetxt(buffer, np.array([[0.0, 1.5], [1.0, 3.5], [2.0, 5.25]]), header="t x")
    points = load_csv(buffer.getvalue().encode())
    assert (points.x_name, points.y_name) == ("t", "x")
    np.testing.assert_array_equal(points.y, [1.5, 3.5, 5.25])
    assert points.notes == (
        'Skipped 1 comment line starting with "#" (line 1).',
        "Read the column names from the comment on line 1.",
    )


def test_comments_before_and_inside_the_table_keep_editor_line_numbers():
    data = (
        b"# made by the lab logger\n# units: s, m\n"
        b"time distance\n0 0.0\n# paused here\n1 4.9\n2 oops\n"
    )
    table = read_table(data)
    assert table.notes[0] == 'Skipped 3 comment lines starting with "#" (lines 1, 2 and 5).'
    assert list(table.frame.index) == [4, 6, 7]
    assert 'has text "oops" on line 7 of the file' in _error(data, x="time", y="distance")


def test_gnuplot_file_with_many_comment_lines_and_blank_blocks():
    lines = [f"# comment {i} with, commas; and words" for i in range(11)]
    lines += ["1 2", "2 4", "", "# next block", "3 6.5"]
    points = load_csv(("\n".join(lines) + "\n").encode())
    np.testing.assert_array_equal(points.y, [2.0, 4.0, 6.5])
    assert "Skipped 12 comment lines" in points.notes[0]


# --- a header whose names are numbers -------------------------------------------------------


def test_world_bank_file_with_preamble_and_years_as_names():
    years = [str(y) for y in range(1960, 1966)]
    header = '"Country Name","Country Code",' + ",".join(f'"{y}"' for y in years) + ","
    rows = [
        '"Aruba","ABW",' + ",".join(f'"{54608 + 1000 * i}"' for i in range(6)) + ",",
        '"Angola","AGO",' + ",".join(f'"{5357195 + 90000 * i}"' for i in range(6)) + ",",
        '"Albania","ALB",' + ",".join(f'"{1608800 + 50000 * i}"' for i in range(6)) + ",",
    ]
    text = (
        '"Data Source","World Development Indicators",\n\n'
        '"Last Updated Date","2024-06-28",\n\n' + header + "\n" + "\n".join(rows) + "\n"
    )
    table = read_table(text.encode())
    assert table.numeric_columns == tuple(years)
    points = choose_columns(table, "1960", "1965")
    np.testing.assert_array_equal(points.x, [54608.0, 5357195.0, 1608800.0])
    assert table.notes[0] == (
        'Skipped lines 1 and 3 above the table (the first is "Data Source, World Development '
        "Indicator...\"): fewer values than the table's 9 columns."
    )
    assert table.notes[1].startswith(
        'Line 5 is read as the header, so the numbers in it ("1960", "1961",'
    )


def test_years_heading_columns_of_decimals():
    points = load_csv(b"1990,2000,2010\n5.5,6.25,7.0\n5.75,6.5,7.5\n")
    assert (points.x_name, points.y_name, points.n) == ("1990", "2000", 2)


def test_rows_of_years_are_data_not_a_header():
    points = load_csv(b"2001,2005\n2002,2010\n2003,2011\n")
    assert (points.x_name, points.n) == ("column 1", 3)


def test_numeric_names_under_a_text_name_are_said():
    table = read_table(b"t,0,1\n1,10,100\n2,20,200\n")
    assert table.notes == (
        'Line 1 is read as the header, so the numbers in it ("0", "1") are column names, not data.',
    )


# --- fixed-width files ------------------------------------------------------------------------


def test_fixed_width_row_with_an_empty_cell_is_refused():
    data = b"name      age  score\nalice     30   1.5\nbob            2.0\ncy        41   3.5\n"
    message = _error(data)
    assert message.startswith(
        'Line 3 has 2 values ("bob", "2.0"), but the lines above it have 3 ("name", "age", '
        '"score").'
    )
    assert 'gdviz cannot tell which column "2.0" belongs to' in message


def test_fixed_width_value_with_a_space_is_refused_with_the_reason():
    data = b"city temp rain\nParis 12.5 3\nNew York 10.5 4\n"
    message = _error(data)
    assert "line 3 has 4 values, but the lines above it have 3" in message
    assert 'the extra value is "4"' in message
    assert "a value with a space in it" in message


def test_fixed_width_names_with_spaces_are_split_at_wide_gaps():
    data = b"time (s)    distance (m)\n0.0         0.00\n1.0         4.90\n2.0        19.60\n"
    points = load_csv(data)
    assert (points.x_name, points.y_name) == ("time (s)", "distance (m)")
    assert points.notes[0].startswith("The names in the header (line 1) have spaces in them")


# --- dates and times as x -----------------------------------------------------------------


def test_iso_dates_become_days_since_the_first():
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-15", periods=6, freq="7D"), "cases": [3, 5, 9, 14, 20, 31]}
    )
    data = frame.to_csv(index=False).encode()
    table = read_table(data)
    name = "date (days since 2020-01-15)"
    assert table.numeric_columns == (name, "cases")
    points = choose_columns(table)
    assert points.x_name == name
    np.testing.assert_array_equal(points.x, [0.0, 7.0, 14.0, 21.0, 28.0, 35.0])
    assert points.notes == (
        f'Column "date" holds dates from 2020-01-15 to 2020-02-19: read as days since '
        f'2020-01-15, as column "{name}".',
    )
    assert choose_columns(table, x="date", y="cases") == points  # the file's name still works


def test_dates_over_years_become_decimal_years():
    data = b"year_start,value\n2000-01-01,1\n2004-07-02,2\n2010-01-01,3\n"
    points = load_csv(data)
    assert points.x_name == "year_start (decimal year)"
    # 2004 is a leap year: 2 July is day 183 of 366, so 2004 + 183/366 = 2004.5 exactly.
    np.testing.assert_array_equal(points.x, [2000.0, 2004.5, 2010.0])
    assert "read as decimal years" in points.note


def test_german_dates_and_decimal_commas():
    text = "Datum;Temperatur\r\n01.03.2021;4,5\r\n02.03.2021;5,25\r\n05.03.2021;7\r\n"
    points = load_csv(text.encode("cp1252"))
    assert points.x_name == "Datum (days since 2021-03-01)"
    np.testing.assert_array_equal(points.x, [0.0, 1.0, 4.0])
    np.testing.assert_array_equal(points.y, [4.5, 5.25, 7.0])


def test_us_dates_month_first_are_told_apart_by_the_data():
    points = load_csv(b"date,sales\n01/15/2021,3\n01/20/2021,4\n02/01/2021,6\n")
    np.testing.assert_array_equal(points.x, [0.0, 5.0, 17.0])


def test_slash_dates_that_read_either_way_are_not_offered():
    data = b"date,a,b\n03/04/2021,1,2\n05/06/2021,2,3\n07/08/2021,3,5\n"
    table = read_table(data)
    assert table.numeric_columns == ("a", "b")
    assert table.notes == (
        'Column "date" is not offered for x or y: Column "date" has dates like "03/04/2021" on '
        "line 2 that read either way round, day first or month first; write them as "
        "year-month-day (2020-04-03).",
    )


def test_times_of_day_become_seconds_or_hours():
    points = load_csv(b"clock,v\n13:45:00,1\n13:45:30,2\n13:46:15,4\n")
    assert points.x_name == "clock (seconds since 13:45:00)"
    np.testing.assert_array_equal(points.x, [0.0, 30.0, 75.0])
    points = load_csv(b"clock,v\n08:00,1\n12:30,2\n17:15,4\n")
    assert points.x_name == "clock (hours since 08:00:00)"
    np.testing.assert_array_equal(points.x, [0.0, 4.5, 9.25])


def test_a_bad_date_is_named_with_its_line():
    data = b"date,v\n2021-01-01,1\n2021-02-30,2\n2021-03-01,3\n"
    assert _error(data, x="date", y="v") == (
        'Column "date" has "2021-02-30" on line 3, which is not a date or time like the others '
        '("2021-01-01" on line 2).'
    )


# --- line numbers as an editor shows them ---------------------------------------------------


def test_line_numbers_after_a_quoted_cell_spanning_lines():
    data = b'x,y,comment\n1,2,"two\nlines"\n3,4,ok\n5,oops,"three\nmore\nlines"\n7,8,x\n'
    table = read_table(data)
    assert list(table.frame.index) == [2, 4, 5, 8]
    assert _error(data, x="x", y="y") == (
        'Column "y" has text "oops" on line 5 of the file; every value must be a number.'
    )
    dropped = load_csv(b'x,y,c\n1,2,"a\nb"\n3,,c\n5,6,d\n')
    assert "(line 4 of the file)" in dropped.note


def test_ragged_line_after_a_quoted_cell_spanning_lines_counts_the_header():
    data = b'x,y\n"1\n",2\n3,4\n5,6,7\n'
    assert _error(data) == (
        "Could not read this file as CSV: line 5 has 3 values, but the lines above it have 2 "
        '(the header, line 1, names "x", "y"); the extra value is "7", after column "y".'
    )


def test_title_line_above_the_table_is_skipped_not_blamed():
    points = load_csv(b"Drop test, 12 May\n\nheight,time,mass\n1,0.45,2\n2,0.64,2\n3,0.78,2\n")
    assert points.notes[0] == (
        'Skipped line 1 above the table (the first is "Drop test, 12 May"): fewer values than '
        "the table's 3 columns."
    )


def test_unclosed_quote_names_its_line_and_column():
    assert _error(b'x,y\n1,2\n3,"4\n5,6\n') == (
        'Could not read this file as CSV: a quote mark (") opened on line 3 (column "y") is '
        "never closed."
    )


# --- notes travel with the points -----------------------------------------------------------


def test_points_carry_file_notes_column_notes_and_dropped_rows():
    text = "# Messung\nx;y;z\n1;2,5;1,5\n2;;2,5\n3;4,5;3,5\n"
    points = load_csv(text.encode(), x="x", y="y")
    assert points.notes == (
        'Skipped 1 comment line starting with "#" (line 1).',
        'Column "y": read decimal commas ("2,5" is 2.5).',
        "Dropped 1 row with missing or infinite values (line 4 of the file).",
    )
    assert points.note == " ".join(points.notes)
    assert points.dropped == 1


def test_points_note_and_notes_stay_one_record():
    assert Points(x=[1, 2], y=[3, 4], note="Hello.").notes == ("Hello.",)
    assert Points(x=[1, 2], y=[3, 4], notes=("A.", "B.")).note == "A. B."
    with pytest.raises(ValueError):
        Points(x=[1, 2], y=[3, 4], note="A.", notes=("B.",))


# --- the uploader's rules -------------------------------------------------------------------


def test_upload_rules_text_words_the_limits():
    text = upload_rules_text(20, ["csv", ".TXT", "tsv"])
    assert text.startswith("Text files of values (.csv, .txt or .tsv) up to 20 MB")
    assert "save an Excel or LibreOffice workbook (.xlsx, .xls, .xlsm) as CSV first" in text
    assert "split a larger file" in text
    assert "(.csv) up to 1,024 MB" in upload_rules_text(1024, ["csv"])


@pytest.mark.parametrize(("max_mb", "extensions"), [(0, ["csv"]), (5, []), (5, ["."])])
def test_upload_rules_text_rejects_nonsense(max_mb, extensions):
    with pytest.raises(GdvizError):
        upload_rules_text(max_mb, extensions)
