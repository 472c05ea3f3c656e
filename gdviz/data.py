"""Points to fit: generate them, or load and validate a CSV file.

Every bad input raises `GdvizError` with a message for the person who supplied it (what is wrong
and where). Line numbers in messages count lines of the file from 1, header included, as a text
editor or spreadsheet shows them.

Loading rules, decided once here:
- Delimiter: comma, semicolon, tab or runs of spaces, sniffed from the first lines (the one that
  splits every line into the same number of fields wins; ties go to tab, semicolon, comma, spaces).
- Header: the first non-blank row is a header when some column holds text there and only numbers
  (or nothing) in the rows below it, or when it is the only row. Without a header, columns are
  named "column 1", "column 2", ...
- Encoding: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 (what Excel writes),
  else Latin-1, which decodes any byte. Numbers are ASCII in all of them, so a wrong guess can
  only garble names and text, never values. NUL bytes or many control bytes mean binary data.
- Missing values (empty, NA, NaN, null, ...) and infinities in the chosen x or y are dropped and
  counted (a line of only delimiters, as spreadsheets export, counts too). A blank line is not a
  row and is skipped silently. Any other text in a chosen column is an error naming the first
  such row.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gdviz.errors import GdvizError

__all__ = [
    "MAX_ROWS_DEFAULT",
    "Points",
    "Table",
    "choose_columns",
    "generate_points",
    "load_csv",
    "read_table",
]

MAX_ROWS_DEFAULT = 1_000_000

_SHOW_CHARS = 40  # user text in messages is cut to this many characters
_SNIFF_LINES = 50
_SNIFF_CHARS = 1 << 16
_LISTED_ROWS = 10  # dropped row numbers named in a note
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)  # None: runs of whitespace
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INFINITY = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
# Lower-cased versions of what pandas reads as missing by default.
_MISSING = frozenset(
    {"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "#n/a", "#na", "<na>"}
    | {"#n/a n/a", "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan"}
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v") + b"\x7f"
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
_BAD_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True, eq=False)
class Points:
    """Points (x, y) to fit a line to, with what the loader did to get them.

    `x` and `y` are stored as read-only, contiguous float64 copies, so nobody can change a
    record after it is made. Two records are equal when every field is (arrays by value).
    """

    x: np.ndarray
    y: np.ndarray
    x_name: str = "x"
    y_name: str = "y"
    dropped: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        x = _frozen_array(self.x)
        y = _frozen_array(self.y)
        if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
            raise ValueError(f"x and y must be 1-D and the same length; got {x.shape}, {y.shape}")
        # The record is frozen; these are its own copies, set once here.
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        """The number of points."""
        return int(self.x.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Points):
            return NotImplemented
        return (
            (self.x_name, self.y_name, self.dropped, self.note)
            == (other.x_name, other.y_name, other.dropped, other.note)
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.y, other.y)
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value but holds arrays


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV file before x and y are chosen (for a column picker).

    `frame` has one column per file column, named from the header or "column 1", "column 2", ...;
    its index is the 1-based row number of each line in the file. Columns in `numeric_columns`
    (numbers or empty cells only, at least one number) are float64; others are kept as read.
    Treat `frame` as read-only: `choose_columns` never changes it.
    """

    frame: pd.DataFrame
    numeric_columns: tuple[str, ...]
    has_header: bool


def _frozen_array(values: Any) -> np.ndarray:
    out = np.array(values, dtype=np.float64, order="C", copy=True)
    out.setflags(write=False)
    return out


# --- messages -------------------------------------------------------------------------------


def _show(value: object) -> str:
    """User text for a message: quoted, one line, at most ~40 characters."""
    text = str(value)
    cut = len(text) > _SHOW_CHARS
    text = "".join(ch if ch.isprintable() else " " for ch in text[:_SHOW_CHARS])
    return f'"{text}{"..." if cut else ""}"'


def _count(n: int) -> str:
    return f"{n:,}"


def _size(n_bytes: int) -> str:
    if n_bytes < 1_000_000:
        return f"{n_bytes:,} bytes"
    return f"{n_bytes / 1_000_000:,.1f} MB"


def _plural(n: int, word: str) -> str:
    return f"{_count(n)} {word}{'' if n == 1 else 's'}"


def _column_list(names: Sequence[str]) -> str:
    shown = ", ".join(_show(name) for name in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


# --- generating -----------------------------------------------------------------------------


def _shown_number(value: object) -> str:
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return str(value) if is_number else _show(value)


def _check_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise GdvizError(f"{name} must be a number; got {_show(value)}.")
    out = float(value)
    if not math.isfinite(out):
        raise GdvizError(f"{name} must be a finite number; got {out}.")
    return out


def _check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole = int(value)
        if low <= whole and (high is None or whole <= high):
            return whole
    bounds = f"between {_count(low)} and {_count(high)}" if high is not None else f">= {low}"
    raise GdvizError(f"{name} must be a whole number {bounds}; got {_shown_number(value)}.")


def generate_points(
    n: int = 100,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 1.0,
    x_min: float = 0.0,
    x_max: float = 10.0,
    seed: int = 0,
    outliers: float = 0.0,
    *,
    rng: np.random.Generator | None = None,
    max_points: int = MAX_ROWS_DEFAULT,
) -> Points:
    """Random points scattered about the line y = slope * x + intercept.

    x_i ~ Uniform(x_min, x_max) in draw order (not sorted); y_i = slope * x_i + intercept + e_i
    with e_i ~ N(0, noise^2). Then round(outliers * n) points, chosen at random, have y moved up
    or down (random sign) by shift = 10 * noise + 5 * |slope| * (x_max - x_min), or by 1 when
    that is 0: far outside both the scatter and the line's rise over the x range, so they are
    plainly outliers.

    Args:
        n: number of points, 2..max_points.
        slope, intercept: the true line.
        noise: standard deviation of the scatter, >= 0 (0 puts every point on the line).
        x_min, x_max: the x range, x_min < x_max.
        seed: seeds `np.random.default_rng`; the same seed gives the same points.
        outliers: fraction of points to move off the line, 0..0.5.
        rng: a generator to draw from instead of `seed` (the seed is then ignored).
        max_points: the largest n allowed.

    Returns:
        Points named "x" and "y", with a note when there are outliers.
    """
    max_points = _check_int("max_points", max_points, 2)
    n = _check_int("The number of points", n, 2, max_points)
    slope = _check_real("slope", slope)
    intercept = _check_real("intercept", intercept)
    noise = _check_real("noise", noise)
    x_min = _check_real("x_min", x_min)
    x_max = _check_real("x_max", x_max)
    outliers = _check_real("outliers", outliers)
    if noise < 0:
        raise GdvizError(
            f"noise must be 0 or more (it is the standard deviation of the scatter); got {noise}."
        )
    if not x_min < x_max:
        raise GdvizError(f"x_min ({x_min}) must be less than x_max ({x_max}).")
    if not math.isfinite(x_max - x_min):
        raise GdvizError(f"The x range from {x_min} to {x_max} is too wide to compute with.")
    if not 0.0 <= outliers <= 0.5:
        raise GdvizError(
            "outliers is the fraction of points moved far off the line and must be between "
            f"0 and 0.5; got {outliers}."
        )
    if rng is None:
        rng = np.random.default_rng(_check_int("seed", seed, 0))

    # Always draw the noise and outliers so that x depends only on the seed, n and the range.
    x = rng.uniform(x_min, x_max, n)
    scatter = rng.standard_normal(n)
    n_out = math.floor(outliers * n + 0.5)
    chosen = rng.choice(n, size=n_out, replace=False)
    signs = rng.choice(np.array([-1.0, 1.0]), size=n_out)
    with np.errstate(all="ignore"):
        shift = 10.0 * noise + 5.0 * abs(slope) * (x_max - x_min)
        y = slope * x + intercept + noise * scatter
        if n_out:
            y[chosen] += signs * (shift if shift > 0 else 1.0)
    if not (np.isfinite(y).all() and math.isfinite(shift)):
        raise GdvizError(
            "These settings give y values too large to compute with; use a smaller slope, "
            "intercept, noise or x range."
        )
    note = f"{_plural(n_out, 'point')} moved off the line as outliers." if n_out else ""
    return Points(x=x, y=y, note=note)


# --- reading --------------------------------------------------------------------------------


def _read_bytes(source: object, max_bytes: int | None) -> bytes:
    """The raw bytes of `source`, refusing more than `max_bytes`."""
    limit = None if max_bytes is None else _check_int("max_bytes", max_bytes, 1)
    too_big = f"The file is larger than {_size(limit or 0)}, the most gdviz reads."
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, Path)):
        path = Path(source)
        try:
            if limit is not None and path.stat().st_size > limit:
                raise GdvizError(too_big)
            data = path.read_bytes()
        except GdvizError:
            raise
        except (OSError, ValueError) as error:
            hint = ""
            if isinstance(source, str) and "\n" in source:
                hint = " (to load CSV text rather than a file, pass it as bytes: text.encode())"
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            shown = _show(path.name or source)
            raise GdvizError(f"Could not open the file {shown}: {reason}{hint}.") from None
    elif hasattr(source, "getvalue"):  # BytesIO, Streamlit's UploadedFile
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read() if limit is None else source.read(limit + 1)
    else:
        raise TypeError(f"Cannot read a CSV file from {type(source).__name__}")
    if isinstance(data, str):  # a text-mode file object
        data = data.encode("utf-8")
    if limit is not None and len(data) > limit:
        raise GdvizError(too_big)
    return bytes(data)


def _decode(data: bytes) -> str:
    """Text of the file; see the module docstring for the encoding rule."""
    not_text = (
        "This file is not a text CSV file (it looks like binary data, such as a picture, an Excel "
        "workbook or a zip file). Save it as CSV (comma-separated values) and load that."
    )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise GdvizError(not_text) from None
        if "\x00" in text:
            raise GdvizError(not_text)
        return text
    head = data[:8192]
    n_control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in data or n_control > 0.05 * len(head):
        raise GdvizError(not_text)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def _first_lines(text: str, limit: int) -> list[tuple[int, str]]:
    """Up to `limit` non-blank lines from the start of `text`, with 0-based line indexes.

    Only the 64 KiB from the first non-blank line on are looked at, however long the file.
    """
    out: list[tuple[int, str]] = []
    pos, index, stop = 0, 0, len(text)
    while pos < stop and len(out) < limit:
        match = _LINE.match(text, pos)
        if match is None or match.end() == pos:
            break
        if match.group(1).strip():
            if not out:
                stop = min(stop, pos + _SNIFF_CHARS)
            out.append((index, match.group(1)))
        pos, index = match.end(), index + 1
    return out


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:  # a field over the csv module's size limit
        return line.split(delimiter)


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the sample most consistently into 2+ fields; "" for none."""
    best: tuple[float, int] = (0.0, 0)
    chosen: str | None = ""
    for rank, delimiter in enumerate(_DELIMITERS):
        counts = Counter(len(_split(line, delimiter)) for line in lines)
        fields, hits = counts.most_common(1)[0]
        score = (hits / len(lines), -rank)
        if fields >= 2 and score > best:
            best, chosen = score, delimiter
    return chosen


def _is_text(field: str) -> bool:
    """A cell that is neither a number, an infinity nor a missing-value marker."""
    cell = field.strip()
    low = cell.lower()
    return not (_NUMBER.fullmatch(cell) or low in _MISSING or low in _INFINITY)


def _has_header(rows: list[list[str]]) -> bool:
    first, rest = rows[0], rows[1:]
    if not rest:
        return any(_is_text(cell) for cell in first)
    for j, cell in enumerate(first):
        below = (row[j] for row in rest if j < len(row))
        if _is_text(cell) and not any(_is_text(other) for other in below):
            return True
    return False


def _column_names(header: list[str], n_columns: int) -> list[str]:
    names: list[str] = []
    for j in range(n_columns):
        name = header[j].strip().strip('"').strip() if j < len(header) else ""
        if not name:
            name = f"column {j + 1}"
        while name in names:  # pandas needs unique names
            name = f"{name} (column {j + 1})"
        names.append(name)
    return names


def _parse_float(value: object) -> float:
    """One cell as a float (NaN if missing or text); the slow path for odd columns."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer with hundreds of digits
            return math.inf if value > 0 else -math.inf
    cell = str(value).strip()
    if _NUMBER.fullmatch(cell) or cell.lower() in _INFINITY:
        return float(cell)
    return math.nan


def _as_numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as float64 with NaN for missing or text, mask of cells holding text)."""
    kind = column.dtype.kind
    if kind in "fiu":
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.zeros(len(values), dtype=bool)
    if kind == "b":  # pandas reads True/False as booleans; to a learner they are words
        return np.full(len(column), np.nan), np.ones(len(column), dtype=bool)
    try:
        coerced = pd.to_numeric(column, errors="coerce")
        values = np.asarray(coerced.to_numpy(dtype=np.float64, na_value=np.nan), np.float64)
    except (OverflowError, TypeError, ValueError):
        values = np.array([_parse_float(v) for v in column.tolist()], dtype=np.float64)
    text = column.notna().to_numpy() & np.isnan(values)
    if text.any():  # some of these may be missing-value markers pandas did not know ("NAN")
        suspects = np.flatnonzero(text)
        cells = column.iloc[suspects].astype(str).str.strip().str.lower()
        text[suspects[cells.isin(_MISSING).to_numpy()]] = False
    return values, text


def _rejection(name: str, frame: pd.DataFrame) -> str:
    """Why column `name` cannot be x or y, for a message."""
    values, text = _as_numbers(frame[name])
    if text.any():
        i = int(np.argmax(text))
        return _text_reason(name, frame[name].iloc[i], int(frame.index[i]))
    if not np.isfinite(values).any():
        return f"Column {_show(name)} has no numbers in it."
    return f"Column {_show(name)} holds only numbers."


def _text_reason(name: str, value: object, row: int) -> str:
    reason = (
        f"Column {_show(name)} has text {_show(value)} on line {row} of the file; every value "
        "must be a number."
    )
    if re.fullmatch(r"[+-]?\d+,\d+", str(value).strip()):
        reason += (
            f" Write decimals with a dot: {str(value).strip().replace(',', '.')}, not {value}."
        )
    return reason


def _blank_lines(text: str, rows: np.ndarray) -> np.ndarray:
    """Which of the given 1-based line numbers of `text` hold only whitespace."""
    raw = text.encode("utf-8", "surrogatepass")
    codes = np.frombuffer(raw, dtype=np.uint8)
    lone_cr = (codes == 13) & np.append(codes[1:] != 10, True)
    ends = np.flatnonzero((codes == 10) | lone_cr)  # the same line ends as pandas' parser
    starts = np.append(0, ends + 1)
    stops = np.append(ends, len(raw))
    return np.array(
        [row > len(starts) or not raw[starts[row - 1] : stops[row - 1]].strip() for row in rows],
        dtype=bool,
    )


def _read_frame(text: str, delimiter: str | None, skip: int, max_rows: int) -> pd.DataFrame:
    """pandas' C parser over the data lines; every failure becomes a GdvizError."""
    options: dict[str, Any] = {"sep": r"\s+"}
    if delimiter is not None:
        options = {"sep": delimiter, "skipinitialspace": True}
    try:
        with warnings.catch_warnings():
            # pandas' warnings are not for the person loading; what matters is checked below.
            warnings.simplefilter("ignore")
            frame = pd.read_csv(
                io.StringIO(text),
                header=None,
                skiprows=skip,
                nrows=max_rows + 1,
                skip_blank_lines=False,  # keeps frame row i on file line skip + i + 1
                engine="c",
                low_memory=False,
                **options,
            )
    except Exception as error:  # the parser's failures are the file's fault
        lines = str(error).strip().splitlines()
        reason = lines[-1].removeprefix("Error tokenizing data. C error: ") if lines else ""
        bad = _BAD_LINE.search(reason)
        if bad:
            expected, line, saw = bad.groups()
            reason = f"line {line} has {saw} values, but the lines above it have {expected}"
        elif "EOF inside string" in reason:
            reason = 'a quote mark (") is opened but never closed'
        reason = reason or type(error).__name__
        raise GdvizError(f"Could not read this file as CSV: {reason[:200]}.") from None
    frame.index = pd.RangeIndex(skip + 1, skip + 1 + len(frame))
    return frame


def read_table(
    source: object, *, max_rows: int = MAX_ROWS_DEFAULT, max_bytes: int | None = None
) -> Table:
    """Parse a CSV file into a `Table` of named columns, ready for choosing x and y.

    Args:
        source: the file's bytes, a path (str or Path), or a binary file object (anything with
            `.getvalue()` or `.read()`, such as Streamlit's UploadedFile).
        max_rows: the most data rows accepted.
        max_bytes: the largest file accepted, or None for no limit.

    Returns:
        A Table; see its docstring. Raises GdvizError when the file is empty, not text, has one
        column, has no column of numbers, or is too large.
    """
    max_rows = _check_int("max_rows", max_rows, 1)
    text = _decode(_read_bytes(source, max_bytes))
    # Trailing blank lines would count towards max_rows; a final newline is what pandas expects.
    text = text.removeprefix("\ufeff").rstrip() + "\n"
    sample = _first_lines(text, _SNIFF_LINES)
    if not sample:
        raise GdvizError("The file is empty: it has no rows of numbers.")
    delimiter = _sniff_delimiter([line for _, line in sample])
    if delimiter == "":
        raise GdvizError(
            f"The file has only one column (its first row is {_show(sample[0][1].strip())}); "
            "gdviz needs two, x and y, separated by commas, semicolons, tabs or spaces."
        )
    rows = [_split(line, delimiter) for _, line in sample]
    has_header = _has_header(rows)
    if has_header and len(sample) == 1:
        raise GdvizError(
            f"The file has a header ({_column_list(rows[0])}) but no rows of numbers under it; "
            "gdviz needs at least 2 points."
        )
    skip = sample[1][0] if has_header else sample[0][0]
    frame = _read_frame(text, delimiter, skip, max_rows)
    if len(frame) > max_rows:
        raise GdvizError(
            f"The file has more than {_count(max_rows)} rows; gdviz reads at most "
            f"{_count(max_rows)}."
        )
    if frame.shape[1] < 2:
        raise GdvizError(
            "The file has only one column; gdviz needs two, x and y, separated by commas, "
            "semicolons, tabs or spaces."
        )
    frame.columns = _column_names(rows[0] if has_header else [], frame.shape[1])
    empty = frame.isna().all(axis=1).to_numpy()
    if empty.any():
        blank = np.zeros(len(frame), dtype=bool)
        blank[empty] = _blank_lines(text, frame.index.to_numpy()[empty])
        frame = frame.loc[~blank]

    numeric: list[str] = []
    try:
        for name in frame.columns:
            values, text_cells = _as_numbers(frame[name])
            if not text_cells.any() and not np.isnan(values).all():
                numeric.append(name)
                frame[name] = values
    except Exception as error:  # an odd cell must not crash the page
        raise GdvizError(f"Could not read this file as CSV: {type(error).__name__}.") from None
    if not numeric:
        reasons = " ".join(_rejection(name, frame) for name in frame.columns[:5])
        raise GdvizError(
            f"No column of this file holds only numbers, so there is nothing to use as x and y. "
            f"{reasons}"
        )
    return Table(frame=frame, numeric_columns=tuple(numeric), has_header=has_header)


def _resolve(table: Table, spec: str | int | None, axis: str) -> str | None:
    """The column name that `spec` (a name, or a 0-based position) refers to."""
    names = [str(name) for name in table.frame.columns]
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec in names:
            return spec
        raise GdvizError(
            f"There is no column named {_show(spec)} for {axis}. "
            f"The columns are: {_column_list(names)}."
        )
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        if 0 <= int(spec) < len(names):
            return names[int(spec)]
        raise GdvizError(
            f"There is no column at position {int(spec)} for {axis}: positions count from 0, "
            f"and this file has {len(names)} columns (0 to {len(names) - 1}): "
            f"{_column_list(names)}."
        )
    raise GdvizError(f"Choose {axis} by column name or 0-based position; got {_show(spec)}.")


def _check_chosen(table: Table, name: str) -> None:
    if name not in table.numeric_columns:
        raise GdvizError(_rejection(name, table.frame))


def _dropped_note(rows: np.ndarray) -> str:
    if not len(rows):
        return ""
    shown = ", ".join(str(int(r)) for r in rows[:_LISTED_ROWS])
    more = f" and {_count(len(rows) - _LISTED_ROWS)} more" if len(rows) > _LISTED_ROWS else ""
    which = "line" if len(rows) == 1 else "lines"
    return (
        f"Dropped {_plural(len(rows), 'row')} with missing or infinite values "
        f"({which} {shown}{more} of the file)."
    )


def choose_columns(table: Table, x: str | int | None = None, y: str | int | None = None) -> Points:
    """Points from two columns of a Table.

    Args:
        table: from `read_table`.
        x, y: a column name, or a 0-based position (an int; a string is always a name).
            By default, the first numeric columns not already chosen.

    Returns:
        Points with the rows where x or y is missing or infinite dropped, counted and named in
        `note`. Raises GdvizError for an unknown column, a column with text in it, x and y the
        same column, fewer than 2 usable points, or all x equal.
    """
    x_name, y_name = _resolve(table, x, "x"), _resolve(table, y, "y")
    if x_name is not None and x_name == y_name:
        raise GdvizError(f"x and y are both column {_show(x_name)}; choose two different columns.")
    for name in (x_name, y_name):
        if name is not None:
            _check_chosen(table, name)
    spare = [name for name in table.numeric_columns if name not in (x_name, y_name)]
    if len(spare) < (x_name is None) + (y_name is None):
        rejected = [n for n in table.frame.columns if n not in table.numeric_columns]
        reasons = " ".join(_rejection(name, table.frame) for name in rejected[:5])
        good = _column_list(list(table.numeric_columns))
        raise GdvizError(
            "gdviz needs two columns of numbers for x and y, but only "
            f"{'column' if len(table.numeric_columns) == 1 else 'columns'} {good} "
            f"{'holds' if len(table.numeric_columns) == 1 else 'hold'} only numbers. {reasons}"
        )
    x_name = x_name if x_name is not None else spare.pop(0)
    y_name = y_name if y_name is not None else spare.pop(0)

    xs = table.frame[x_name].to_numpy(dtype=np.float64)
    ys = table.frame[y_name].to_numpy(dtype=np.float64)
    usable = np.isfinite(xs) & np.isfinite(ys)
    dropped_rows = table.frame.index.to_numpy()[~usable]
    xs, ys = xs[usable], ys[usable]
    if len(xs) < 2:
        raise GdvizError(
            f"Only {_plural(len(xs), 'row')} {'has' if len(xs) == 1 else 'have'} numbers in both "
            f"x (column {_show(x_name)}) and y (column {_show(y_name)}); gdviz needs at least "
            f"2 points. "
            f"{_dropped_note(dropped_rows)}".strip()
        )
    if xs.min() == xs.max():
        raise GdvizError(
            f"Every x is {float(xs[0])!r} (column {_show(x_name)}), so no line can be fitted: "
            "the slope is undefined. x needs at least two different values."
        )
    return Points(
        x=xs,
        y=ys,
        x_name=x_name,
        y_name=y_name,
        dropped=len(dropped_rows),
        note=_dropped_note(dropped_rows),
    )


def load_csv(
    source: object,
    *,
    x: str | int | None = None,
    y: str | int | None = None,
    max_rows: int = MAX_ROWS_DEFAULT,
    max_bytes: int | None = None,
) -> Points:
    """Load points from a CSV file: `read_table` then `choose_columns` (see both)."""
    return choose_columns(read_table(source, max_rows=max_rows, max_bytes=max_bytes), x, y)
