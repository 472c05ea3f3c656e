"""Points to fit: generate them, or load and validate a CSV file.

Every bad input raises `GdvizError` with a message for the person who supplied it: what is wrong,
in which column and on which line. Line numbers count lines of the file from 1, header included,
as a text editor shows them (a quoted cell that spans lines counts all its lines). Everything the
loader decided on its own is said in words: `Table.notes` (the whole file), `Table.column_notes`
(how one column was read) and `Points.notes` (those for the chosen columns, and dropped rows).

Loading rules, decided once here:
- Encoding: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 (what Excel writes),
  else Latin-1, which decodes any byte. NUL bytes or many control bytes mean binary data.
- Lines before the table: a first line "sep=;" (Excel's hint) sets the delimiter; lines whose
  first non-blank character is "#" are comments (numpy's loadtxt, R, gnuplot), skipped wherever
  they are; lines above the table with fewer values than its rows (a title, "Data Source, ...")
  are skipped. All of these are said in a note.
- Delimiter: comma, semicolon, tab or runs of spaces, sniffed from the first 50 lines: the one
  that splits the most lines into the same number (2+) of fields wins; then the one whose fields
  are more often numbers; then tab, semicolon, comma, spaces.
- Header: the first row is a header when some column holds text there and only values (numbers,
  dates, missing) below it, or when its numbers look like years heading columns of other data
  (World-Bank style), or when it is the only row. A file without one may name its columns in the
  comment line just above the data ("# x y", as numpy's savetxt writes). Else columns are named
  "column 1", "column 2", ... Names that are numbers are said in a note.
- Header and rows of different lengths: one name short with row labels or row numbers in the
  first column is R's write.table layout (that column is skipped); names with spaces in a
  space-separated file are split at runs of 2+ spaces; otherwise the file is refused. A first
  column with no name holding row numbers (increasing whole numbers) or row labels is the index
  R's write.csv and pandas' to_csv write: it is skipped.
- Numbers: "1.5" or "1,5" (decimal comma), with thousands separators "60,323", "1.031,5",
  "1 031,5" (space or no-break space) or "1'031.5". Each column is read one way: by its own
  numbers where they decide it ("2,5" or "1.031,5" mean decimal commas; "1.5" or "1,234,567" mean
  decimal points), else by the rest of the file ("1.031" is 1031 in a file of decimal commas,
  1.031 in a file of decimal points; a comma-separated file uses decimal points; 0.125 is a
  decimal either way); a column that mixes both, or is undecidable, is not offered and a note
  says why.
- Dates and times (2020-01-15, 2020-01-15T10:00, 15.01.2020, 01/15/2020, 13:45:00) become
  numbers for x: decimal years when they span 3 years or more, else days, hours or seconds since
  the earliest; the unit is put in the column's name. Day-first or month-first slashes are told
  apart by the dates themselves (or decimal commas: day first), else the column is not offered.
- Missing values (empty, NA, NaN, null, ...) and infinities in the chosen x or y are dropped and
  counted (a line of only delimiters, as spreadsheets export, counts too). A blank line is not a
  row and is skipped silently. Any other text in a chosen column is an error naming the first
  such row.
- Space-separated (fixed-width) files must split every row into the same number of values: a row
  with fewer is refused, as its values cannot be put in their columns.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import numbers
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
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
    "upload_rules_text",
]

MAX_ROWS_DEFAULT = 1_000_000
# The largest |x| or |y| a fit takes: the engine sums squares (Σx², Σr²) over up to a million
# points, and 1e6 · (1e150)² = 1e306 stays below float64's largest, 1.8e308; a bigger value
# would overflow to inf part-way through a computation instead of being refused in words.
MAX_MAGNITUDE = 1e150

_SHOW_CHARS = 40  # user text in messages is cut to this many characters
_SNIFF_LINES = 50
_SNIFF_CHARS = 1 << 16
_STYLE_CELLS = 2_000  # cells of a column looked at to decide how its numbers are written
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
_SEP_HINT = re.compile(r"\s*sep=([,;\t|])\s*", re.IGNORECASE)
_COMMENT = re.compile(r"([\r\n])[ \t]*#[^\r\n]*")  # matched on "\n" + text
_YEAR = re.compile(r"[12][0-9]{3}")

# How numbers are written. Grouped forms never carry an exponent nor start with 0 (0.125 is
# a decimal in any style). [0-9], not \d, and the
# no-break spaces as characters, not escapes, keep pandas on its fast (pyarrow) regex engine.
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space
_EXP = r"(?:[eE][+-]?[0-9]+)?"
_INTEGER = re.compile(rf"[+-]?[0-9]+{_EXP}")
_DOT_DECIMAL = re.compile(rf"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+){_EXP}")
_COMMA_DECIMAL = re.compile(rf"[+-]?(?:[0-9]+,[0-9]*|,[0-9]+){_EXP}")
_COMMA_GROUPS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_DOT_GROUPS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]*)?")
_SPACE_GROUPS = re.compile(rf"[+-]?[1-9][0-9]{{0,2}}(?:[{_SPACES}'][0-9]{{3}})+(?:([.,])[0-9]*)?")
# Every cell a column of each style may hold (infinities are checked apart).
_POINT_CELL = re.compile(
    rf"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+){_EXP}|[+-]?[1-9][0-9]{{0,2}}(?:,[0-9]{{3}})+(?:\.[0-9]*)?"
    rf"|[+-]?[1-9][0-9]{{0,2}}(?:[{_SPACES}'][0-9]{{3}})+(?:\.[0-9]*)?"
)
_COMMA_CELL = re.compile(
    rf"[+-]?(?:[0-9]+,?[0-9]*|,[0-9]+){_EXP}|[+-]?[1-9][0-9]{{0,2}}(?:\.[0-9]{{3}})+(?:,[0-9]*)?"
    rf"|[+-]?[1-9][0-9]{{0,2}}(?:[{_SPACES}][0-9]{{3}})+(?:,[0-9]*)?"
)
_EITHER_CELL = re.compile(r"[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}")  # 1.031 or 60,323

# Dates and times: (pattern of one cell, strptime format or "ISO8601", has a date part).
_ISO = (
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_CLOCK = r"(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
_DATE_KINDS: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    (re.compile(_ISO), "ISO8601", True),
    (re.compile(r"[0-9]{4}-[0-9]{1,2}"), "%Y-%m", True),
    (re.compile(r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}" + _CLOCK), "%Y/%m/%d", True),
    (re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}" + _CLOCK), "%d.%m.%Y", True),
    (re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}" + _CLOCK), "slash", True),
    (re.compile(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"), "clock", False),
)
_SLASH = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/")
_DAY = 86_400.0  # seconds


@dataclass(frozen=True, eq=False)
class Points:
    """Points (x, y) to fit a line to, with what the loader did to get them.

    `x` and `y` are stored as read-only, contiguous float64 copies, so nobody can change a
    record after it is made. `notes` are the loader's decisions, one sentence each (how the
    chosen columns were read, dropped rows); `note` is the same sentences joined by spaces. Give
    either (the other is filled in). Two records are equal when every field is (arrays by value).
    """

    x: np.ndarray
    y: np.ndarray
    x_name: str = "x"
    y_name: str = "y"
    dropped: int = 0
    note: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        x = _frozen_array(self.x)
        y = _frozen_array(self.y)
        if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
            raise ValueError(f"x and y must be 1-D and the same length; got {x.shape}, {y.shape}")
        notes = tuple(str(text) for text in self.notes if text)
        if self.note and not notes:
            notes = (self.note,)
        elif self.note and self.note != " ".join(notes):
            raise ValueError("note must be the notes joined by spaces; give one or the other")
        # The record is frozen; these are its own copies, set once here.
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "note", " ".join(notes))

    @property
    def n(self) -> int:
        """The number of points."""
        return int(self.x.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Points):
            return NotImplemented
        return (
            (self.x_name, self.y_name, self.dropped, self.notes)
            == (other.x_name, other.y_name, other.dropped, other.notes)
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.y, other.y)
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value but holds arrays


def _frozen_mapping(values: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV file before x and y are chosen (for a column picker).

    `frame` has one column per data column of the file (a skipped index column is not one),
    named from the header or "column 1", "column 2", ...; its index is the line of the file each
    row starts on. Columns in `numeric_columns` (numbers, dates read as numbers, or empty cells;
    at least one value) are float64; others are kept as read. A date column is renamed with its
    unit, e.g. "date (days since 2020-01-15)"; `renamed` maps the file's name to it, and
    `choose_columns` accepts either.

    `notes` says what the loader decided for the whole file (comments, index column, header),
    `column_notes` how a column's values were read (decimal commas, thousands separators, dates),
    and `reasons` why a column is not in `numeric_columns`. Treat `frame` as read-only:
    `choose_columns` never changes it.
    """

    frame: pd.DataFrame
    numeric_columns: tuple[str, ...]
    has_header: bool
    notes: tuple[str, ...] = ()
    column_notes: Mapping[str, str] = field(default_factory=_frozen_mapping)
    reasons: Mapping[str, str] = field(default_factory=_frozen_mapping)
    renamed: Mapping[str, str] = field(default_factory=_frozen_mapping)

    def __post_init__(self) -> None:
        for name in ("column_notes", "reasons", "renamed"):
            object.__setattr__(self, name, _frozen_mapping(getattr(self, name)))
        object.__setattr__(self, "notes", tuple(self.notes))

    def notes_for(self, *columns: str) -> tuple[str, ...]:
        """The file's notes, then those of the given columns (each once, in that order)."""
        own = [self.column_notes[c] for c in dict.fromkeys(columns) if c in self.column_notes]
        return (*self.notes, *own)


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


def _line_list(lines: Sequence[int]) -> str:
    """ "line 4" or "lines 1 to 3, 7 and 9": runs of consecutive lines shown as ranges."""
    runs: list[list[int]] = []
    for line in lines:
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    parts = [
        str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a} to {b}"
        for a, b in runs[:_LISTED_ROWS]
    ]
    if len(runs) > _LISTED_ROWS:
        parts.append(f"{_count(len(runs) - _LISTED_ROWS)} more")
    shown = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{'line' if len(lines) == 1 else 'lines'} {shown}"


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


# --- reading ---------------------------------------------------------------------------------


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


def _breaks(text: str, start: int = 0, stop: int | None = None) -> int:
    """Line breaks ("\\r\\n", "\\r" or "\\n") in text[start:stop], as pandas' parser counts."""
    stop = len(text) if stop is None else stop
    return (text.count("\n", start, stop) + text.count("\r", start, stop)) - text.count(
        "\r\n", start, stop
    )


@dataclass(frozen=True)
class _Prepared:
    """The text with comment lines and Excel's "sep=" line blanked (so line numbers stay)."""

    text: str
    delimiter: str | bool | None  # False: sniff it
    comments: dict[int, str]  # 0-based line -> text of the first comment lines
    comment_lines: list[int]  # 1-based lines of the first comment lines, for the note
    n_comments: int
    sep_line: int  # 1-based line of "sep=;", or 0


def _prepare(text: str) -> _Prepared:
    delimiter: str | bool | None = False
    sep_line = 0
    first = _first_lines(text, 1)
    if first:
        hint = _SEP_HINT.fullmatch(first[0][1])
        if hint:
            index, line = first[0]
            delimiter = hint.group(1)
            start = _line_start(text, index)
            text = text[:start] + " " * len(line) + text[start + len(line) :]
            sep_line = index + 1
    comments: dict[int, str] = {}
    lines: list[int] = []
    n_comments = 0
    if "#" in text:
        index, last = 0, 0
        for match in _COMMENT.finditer("\n" + text):
            n_comments += 1
            if len(comments) < 1_000:
                start = match.start() + 1 - 1  # position in `text` of the comment line
                index += _breaks(text, last, start)
                last = start
                comments[index] = match.group(0)[1:].strip()
                lines.append(index + 1)
        if n_comments:
            text = _COMMENT.sub(r"\1", "\n" + text)[1:]
    return _Prepared(text, delimiter, comments, lines, n_comments, sep_line)


def _line_start(text: str, index: int) -> int:
    """Where the 0-based line `index` starts in `text` (only used near the top of a file)."""
    pos = 0
    for _ in range(index):
        match = _LINE.match(text, pos)
        if match is None or match.end() == pos:
            return len(text)
        pos = match.end()
    return pos


def _first_lines(text: str, limit: int) -> list[tuple[int, str]]:
    """Up to `limit` non-blank lines from the start of `text`, with 0-based line indexes.

    Only the 64 KiB from the first non-blank line on are looked at, however long the file.
    """
    return [(index, line.rstrip("\r\n")) for index, _, line in _window(text, limit) if line.strip()]


def _window(text: str, limit: int) -> list[tuple[int, int, str]]:
    """(0-based line, start, line with its line break) from the first non-blank line on, until
    `limit` non-blank lines or 64 KiB; blank lines after the first are included."""
    out: list[tuple[int, int, str]] = []
    pos, index, stop, seen = 0, 0, len(text), 0
    while pos < stop and seen < limit:
        match = _LINE.match(text, pos)
        if match is None or match.end() == pos:
            break
        if match.group(1).strip():
            if not out:
                stop = min(stop, pos + _SNIFF_CHARS)
            seen += 1
        if out or match.group(1).strip():
            out.append((index, pos, match.group(0)))
        pos, index = match.end(), index + 1
    return out


def _split_spaces(line: str) -> list[str]:
    """Fields separated by runs of spaces or tabs; "quoted fields" may hold spaces (R's
    write.table quotes row names such as "Mazda RX4")."""
    if '"' not in line:
        return line.split()
    try:
        row = next(
            csv.reader([line.replace("\t", " ").strip()], delimiter=" ", skipinitialspace=True)
        )
    except (csv.Error, StopIteration):
        return line.split()
    return row


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return _split_spaces(line)
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:  # a field over the csv module's size limit
        return line.split(delimiter)


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the sample most consistently into 2+ fields; "" for none."""
    best: tuple[float, float, int] = (0.0, 0.0, 0)
    chosen: str | None = ""
    for rank, delimiter in enumerate(_DELIMITERS):
        rows = [_split(line, delimiter) for line in lines]
        counts = Counter(len(row) for row in rows)
        fields, hits = counts.most_common(1)[0]
        cells = [cell for row in rows for cell in row]
        numbers = sum(_cell_style(cell) is not None for cell in cells) / max(len(cells), 1)
        score = (hits / len(lines), numbers, -rank)
        if fields >= 2 and score > best:
            best, chosen = score, delimiter
    return chosen


def _records(lines: Iterable[str], delimiter: str | None) -> Iterator[tuple[int, list[str]]]:
    """(offset in lines, fields) of each non-blank record; a quoted cell may span lines."""
    if delimiter is None:
        for offset, line in enumerate(lines):
            if line.strip():
                yield offset, _split_spaces(line)
        return
    source = iter(lines)
    reader = csv.reader(source, delimiter=delimiter, skipinitialspace=True)
    start = 0
    try:
        for fields in reader:
            if len(fields) > 1 or (fields and fields[0].strip()):
                yield start, fields
            start = reader.line_num
    except csv.Error:  # a field over the csv module's size limit: split what is left by hand
        for offset, line in enumerate(source, start=reader.line_num):
            if line.strip():
                yield offset, line.rstrip("\r\n").split(delimiter)


# --- how numbers are written ----------------------------------------------------------------


def _cell_style(cell: str) -> str | None:
    """How a cell writes a number: "point" or "comma" (the decimal mark it shows), "either"
    (1.031 or 60,323: a decimal or a thousands separator), "plain" (12, inf, NA: the same
    either way) or None (not a number)."""
    cell = cell.strip()
    low = cell.lower()
    if low in _MISSING or low in _INFINITY or _INTEGER.fullmatch(cell):
        return "plain"
    if _DOT_DECIMAL.fullmatch(cell):
        return "either" if _DOT_GROUPS.fullmatch(cell) else "point"
    if _COMMA_DECIMAL.fullmatch(cell):
        return "either" if _COMMA_GROUPS.fullmatch(cell) else "comma"
    if _COMMA_GROUPS.fullmatch(cell):
        return "point"  # 1,234,567 or 60,323.5
    if _DOT_GROUPS.fullmatch(cell):
        return "comma"  # 1.234.567 or 1.031,5
    spaced = _SPACE_GROUPS.fullmatch(cell)
    if spaced:
        mark = spaced.group(1)
        return "plain" if mark is None else ("comma" if mark == "," else "point")
    return None


def _style_of(cells: Iterable[str]) -> tuple[str | None, str | None, str | None]:
    """(style the cells show, first cell with a decimal point, first with a decimal comma)."""
    point = comma = None
    for cell in cells:
        style = _cell_style(cell)
        if style == "point" and point is None:
            point = cell.strip()
        elif style == "comma" and comma is None:
            comma = cell.strip()
    if point is not None and comma is not None:
        return "mixed", point, comma
    return ("point" if point else "comma" if comma else None), point, comma


def _is_value(cell: str) -> bool:
    """A cell that is a number (in any style), a missing-value marker or a date."""
    return _cell_style(cell) is not None or _date_kind(cell.strip()) is not None


def _is_text(field: str) -> bool:
    return not _is_value(field)


def _date_kind(cell: str) -> tuple[re.Pattern[str], str, bool] | None:
    if not cell or not cell[0].isdigit():
        return None
    for kind in _DATE_KINDS:
        if kind[0].fullmatch(cell):
            return kind
    return None


# --- the header -----------------------------------------------------------------------------


def _has_header(rows: list[list[str]]) -> bool:
    first, rest = rows[0], rows[1:]
    if not rest:
        return any(_is_text(cell) for cell in first)
    for j, cell in enumerate(first):
        below = (row[j] for row in rest if j < len(row))
        if _is_text(cell) and not any(_is_text(other) for other in below):
            return True
    return _years_header(first, rest)


def _years_header(first: list[str], rest: list[list[str]]) -> bool:
    """A first row naming columns by year ("Country", "1960", "1961", ...), World-Bank style:
    its numbers are increasing years over columns that are not years themselves."""
    years = [(j, int(c.strip())) for j, c in enumerate(first) if _YEAR.fullmatch(c.strip())]
    others = [c.strip() for j, c in enumerate(first) if j not in dict(years)]
    has_text = any(_is_text(c) for c in others)
    if not years or (len(years) < 2 and not has_text):
        return False
    if any(c and not _is_text(c) for c in others):
        return False
    values = [year for _, year in years]
    if any(b <= a for a, b in itertools.pairwise(values)):
        return False
    for j, _ in years:
        below = [row[j].strip() for row in rest if j < len(row) and row[j].strip()]
        if below and all(_YEAR.fullmatch(cell) for cell in below):
            return False
    return True


def _column_names(header: list[str], n_columns: int) -> list[str]:
    names: list[str] = []
    for j in range(n_columns):
        name = _clean_name(header[j]) if j < len(header) else ""
        if not name:
            name = f"column {j + 1}"
        while name in names:  # pandas needs unique names
            name = f"{name} (column {j + 1})"
        names.append(name)
    return names


def _clean_name(name: str) -> str:
    return name.strip().strip('"').strip()


@dataclass(frozen=True)
class _Layout:
    """Where the table is in the text and what its header says."""

    delimiter: str | None
    header: list[str]  # the header's fields ([] when there is none)
    header_line: int  # 1-based, 0 when there is none
    data_line: int  # 1-based line of the first data row
    data_start: int  # its position in the text
    sample: list[list[str]]  # fields of the first data rows
    notes: tuple[str, ...]


def _layout(prepared: _Prepared) -> _Layout:
    text = prepared.text
    window = _window(text, _SNIFF_LINES)
    lines = [line.rstrip("\r\n") for _, _, line in window if line.strip()]
    if not lines:
        raise GdvizError("The file is empty: it has no rows of numbers.")
    delimiter = prepared.delimiter
    if delimiter is False:
        delimiter = _sniff_delimiter(lines)
    if delimiter == "":
        raise GdvizError(
            f"The file has only one column (its first row is {_show(lines[0].strip())}); "
            "gdviz needs two, x and y, separated by commas, semicolons, tabs or spaces."
        )
    assert delimiter is None or isinstance(delimiter, str)
    records = [
        (window[offset][0], fields)
        for offset, fields in _records((line for _, _, line in window), delimiter)
    ][:_SNIFF_LINES]
    notes: list[str] = []
    if prepared.sep_line:
        notes.append(
            f"Line {prepared.sep_line} sets the separator ({_show(_SEP_NAME[delimiter])}), "
            "as Excel writes it."
        )
    counts = [len(fields) for _, fields in records]
    widths = Counter(counts)
    modal = max(widths, key=lambda width: (widths[width], width))
    # Lines above the table with fewer values than its rows: a title or a note about the data.
    top = 0
    while top < len(records) - 1 and counts[top] < modal and widths[modal] >= 2:
        if (
            counts[top] == modal - 1
            and counts[top + 1] == modal
            and not all(_is_text(cell) for cell in records[top + 1][1])
        ):
            break  # a header one name short over data (R's write.table): handled below
        top += 1
    if top:
        shown = _show(", ".join(records[0][1]))
        notes.append(
            f"Skipped {_line_list([line + 1 for line, _ in records[:top]])} above the table "
            f"(the first is {shown}): fewer values than the table's {modal} columns."
        )
    rows = [fields for _, fields in records[top:]]
    short_header = (
        len(rows) > 1
        and len(rows[0]) == modal - 1
        and all(len(row) == modal for row in rows[1:])
        and any(_is_text(cell) for cell in rows[0])
    )
    has_header = short_header or _has_header(rows)
    header = rows[0] if has_header else []
    header_line = records[top][0] + 1 if has_header else 0
    if has_header and len(rows) == 1:
        raise GdvizError(
            f"The file has a header ({_column_list(rows[0])}) but no rows of numbers under it; "
            "gdviz needs at least 2 points."
        )
    data_index = records[top + 1][0] if has_header else records[top][0]
    if not has_header:
        after = records[top - 1][0] if top else -1
        header = _comment_header(prepared, after, data_index, delimiter, modal, notes)
    start = next(pos for index, pos, _ in window if index == data_index)
    if has_header:
        numbers = [_clean_name(c) for c in header if _cell_style(_clean_name(c)) not in (None,)]
        numbers = [c for c in numbers if c and c.lower() not in _MISSING]
        if numbers:
            notes.append(
                f"Line {header_line} is read as the header, so the numbers in it "
                f"({_column_list(numbers)}) are column names, not data."
            )
    return _Layout(
        delimiter=delimiter,
        header=header,
        header_line=header_line,
        data_line=data_index + 1,
        data_start=start,
        sample=rows[1:] if has_header else rows,
        notes=tuple(notes),
    )


_SEP_NAME = {",": ",", ";": ";", "\t": "tab", "|": "|", None: "spaces"}


def _comment_header(
    prepared: _Prepared,
    after: int,
    data_index: int,
    delimiter: str | None,
    width: int,
    notes: list[str],
) -> list[str]:
    """Names from the comment line just above the data ("# x y"), when it names every column.

    `after` is the last line above the table that is not blank or a comment (-1 for none).
    """
    above = [index for index in prepared.comments if after < index < data_index]
    if not above:
        return []
    index = max(above)
    names = _split(prepared.comments[index].lstrip("#").strip(), delimiter)
    if len(names) != width or not all(_is_text(name) for name in names):
        return []
    notes.append(f"Read the column names from the comment on line {index + 1}.")
    return names


@dataclass(frozen=True)
class _Column:
    """One column as read: numbers (float64, NaN where missing) or why it is not numbers."""

    name: str
    values: np.ndarray | None
    note: str = ""
    reason: str = ""
    number_like: bool = False  # not offered although it holds numbers: said in a note
    labels: bool = False  # text only (row labels, names): may be a row index
    dates: bool = False  # dates or times, read as numbers


def _read_column(
    name: str, column: pd.Series, lines: np.ndarray, style: str | None, decimal: str
) -> _Column:
    """Column `name` as numbers (or dates as numbers). `style` is the file's decimal mark
    ("point", "comma" or None: unknown); `decimal` the one pandas parsed the file with."""
    kind = column.dtype.kind
    if kind in "fiu":
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(values).all():
            return _Column(name, None, reason=f"Column {_show(name)} has no numbers in it.")
        note = ""
        if decimal == "," and kind == "f":
            finite = values[np.isfinite(values)]
            fractions = finite[finite != np.round(finite)]
            if len(fractions):
                example = repr(float(fractions[0]))
                note = (
                    f"Column {_show(name)}: read decimal commas "
                    f"({_show(example.replace('.', ','))} is {example})."
                )
        return _Column(name, values, note=note)
    if kind == "b":  # pandas reads True/False as booleans; to a learner they are words
        return _Column(name, None, reason=_text_reason(name, column.iloc[0], int(lines[0])))
    present = np.flatnonzero(column.notna().to_numpy())
    cells = column.iloc[present].astype(str).str.strip()
    keep = ~cells.str.lower().isin(_MISSING).to_numpy()
    rows, cells = present[keep], cells[keep]
    if not len(rows):
        return _Column(name, None, reason=f"Column {_show(name)} has no numbers in it.")
    cells = cells.reset_index(drop=True)
    shown, point, comma = _style_of(cells.iloc[:_STYLE_CELLS].tolist())
    if shown == "mixed":
        where = {c: int(lines[rows[i]]) for i, c in enumerate(cells.iloc[:_STYLE_CELLS]) if c}
        reason = (
            f"Column {_show(name)} mixes decimal points ({_show(point)} on line {where[point]}) "
            f"and decimal commas ({_show(comma)} on line {where[comma]}), so its numbers cannot "
            "be read for sure."
        )
        return _Column(name, None, reason=reason, number_like=True)
    column_style = shown or style
    pattern = _COMMA_CELL if column_style == "comma" else _POINT_CELL
    head = cells.iloc[:_STYLE_CELLS].tolist()
    if _date_kind(head[0]) and not any(pattern.fullmatch(cell) for cell in head):
        dates = _read_dates(name, column, cells, rows, lines, style)
        if dates is not None:
            return dates
    infinite = cells.str.lower().isin(_INFINITY)
    valid = (cells.str.fullmatch(pattern.pattern).fillna(False) | infinite).to_numpy(bool)
    if not valid.all():
        i = int(np.argmin(valid))
        reason = _text_reason(name, cells.iloc[i], int(lines[rows[i]]))
        other = _cell_style(cells.iloc[i])
        if other in ("point", "comma") and column_style in ("point", "comma"):
            mark = {"point": "decimal points", "comma": "decimal commas"}
            first = int(np.argmax(valid))
            reason = (
                f"Column {_show(name)} has {_show(cells.iloc[i])} on line {int(lines[rows[i]])}, "
                f"written with {mark[other]}, but its other numbers use {mark[column_style]} "
                f"({_show(cells.iloc[first])} on line {int(lines[rows[first]])}), so they cannot "
                "be read for sure."
            )
        some = bool(valid.any())
        return _Column(name, None, reason=reason, number_like=some, labels=not some)
    if column_style is None:
        either = cells.str.fullmatch(_EITHER_CELL.pattern).to_numpy(bool)
        if either.any():
            i = int(np.argmax(either))
            cell = cells.iloc[i]
            reason = (
                f"Column {_show(name)} has {_show(cell)} on line {int(lines[rows[i]])}, which "
                f"could be {_plain_number(cell, 'point')} or {_plain_number(cell, 'comma')} "
                "(with a thousands separator), and no other number in the file says which."
            )
            return _Column(name, None, reason=reason, number_like=True)
        column_style = "point"
    if column_style == "comma":
        cleaned = cells.str.replace(f"[.{_SPACES}]", "", regex=True).str.replace(",", ".")
        decimal = cells.str.contains(",", regex=False).to_numpy(bool)
        grouped = cells.str.contains(f"[0-9][.{_SPACES}][0-9]", regex=True).to_numpy(bool)
    else:
        cleaned = cells.str.replace(f"[,{_SPACES}']", "", regex=True)
        decimal = np.zeros(len(cells), dtype=bool)
        grouped = cells.str.contains(f"[0-9][,{_SPACES}'][0-9]", regex=True).to_numpy(bool)
    numbers = _to_floats(cleaned)
    values = np.full(len(column), np.nan)
    values[rows] = numbers
    if np.isnan(values).all():
        return _Column(name, None, reason=f"Column {_show(name)} has no numbers in it.")
    found = [
        (what, int(np.argmax(mask)))
        for what, mask in (("decimal commas", decimal), ("thousands separators", grouped))
        if mask.any()
    ]
    if len(found) == 2 and found[0][1] == found[1][1]:  # one cell shows both
        found = [("decimal commas and thousands separators", found[0][1])]
    read = [f"{what} ({_show(cells.iloc[i])} is {float(numbers[i])!r})" for what, i in found]
    note = f"Column {_show(name)}: read {' and '.join(read)}." if read else ""
    return _Column(name, values, note=note)


def _plain_number(cell: str, style: str) -> str:
    """How `cell` ("1.031") reads with that decimal mark, written plainly (1.031 or 1031)."""
    if style == "comma":
        return cell.replace(".", "").replace(",", ".")
    return cell.replace(",", "")


def _to_floats(cells: pd.Series) -> np.ndarray:
    try:
        coerced = pd.to_numeric(cells, errors="coerce")
        return np.asarray(coerced.to_numpy(dtype=np.float64, na_value=np.nan), np.float64)
    except (OverflowError, TypeError, ValueError):
        return np.array([_parse_float(v) for v in cells.tolist()], dtype=np.float64)


def _parse_float(value: object) -> float:
    """One cell as a float (NaN if missing or text); the slow path for odd columns."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer with hundreds of digits
            return math.inf if value > 0 else -math.inf
    cell = str(value).strip()
    if _NUMBER.fullmatch(cell) or cell.lower() in _INFINITY:
        try:
            return float(cell)
        except OverflowError:
            return math.nan
    return math.nan


def _read_dates(
    name: str,
    column: pd.Series,
    cells: pd.Series,
    rows: np.ndarray,
    lines: np.ndarray,
    style: str | None,
) -> _Column | None:
    """A column of dates or times as numbers (see the module docstring), or None if it does
    not start with one. A cell that is no date, or dates of two kinds, make it text."""
    kind = _date_kind(cells.iloc[0])
    if kind is None:
        return None
    pattern, fmt, has_date = kind
    first = f"{_show(cells.iloc[0])} on line {int(lines[rows[0]])}"
    matched = cells.str.fullmatch(pattern.pattern).fillna(False).to_numpy(bool)
    if not matched.all():
        i = int(np.argmin(matched))
        reason = (
            f"Column {_show(name)} has {_show(cells.iloc[i])} on line {int(lines[rows[i]])}, "
            f"which is neither a number nor a date like {first}."
        )
        return _Column(name, None, reason=reason)
    if fmt == "slash":
        parts = cells.str.extract(_SLASH.pattern).astype(np.int64)
        day_first = bool((parts[0] > 12).any())
        month_first = bool((parts[1] > 12).any())
        if day_first == month_first and (day_first or style != "comma"):
            why = "both ways round" if day_first else "either way round"
            reason = (
                f"Column {_show(name)} has dates like {first} that read {why}, day first or "
                "month first; write them as year-month-day (2020-04-03)."
            )
            return _Column(name, None, reason=reason, number_like=True)
        fmt = "%m/%d/%Y" if month_first else "%d/%m/%Y"
    if fmt == "clock":
        fmt = "%H:%M" + (":%S" if cells.iloc[0].count(":") == 2 else "")
        fmt += ".%f" if "." in cells.iloc[0] else ""
    elif fmt != "ISO8601" and " " in cells.iloc[0]:
        fmt += " %H:%M" + (":%S" if cells.iloc[0].count(":") == 2 else "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamps = pd.to_datetime(cells, format=fmt, errors="coerce", utc=fmt == "ISO8601")
        if getattr(stamps.dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        bad = stamps.isna().to_numpy()
        moments = stamps.to_numpy().astype("datetime64[us]")
    except (ValueError, OverflowError, TypeError):
        bad = np.ones(len(cells), dtype=bool)
        moments = np.array([], dtype="datetime64[us]")
    if bad.any():
        i = int(np.argmax(bad))
        reason = (
            f"Column {_show(name)} has {_show(cells.iloc[i])} on line {int(lines[rows[i]])}, "
            f"which is not a date or time like the others ({first})."
        )
        return _Column(name, None, reason=reason, number_like=True)
    numbers, unit, earliest, latest = _moments_as_numbers(moments, has_date)
    values = np.full(len(column), np.nan)
    values[rows] = numbers
    new_name = f"{name} ({unit})"
    what = "dates" if has_date else "times"
    note = (
        f"Column {_show(name)} holds {what} from {earliest} to {latest}: read as "
        f"{unit.replace('decimal year', 'decimal years')}, as column {_show(new_name)}."
    )
    return _Column(new_name, values, note=note, dates=True)


def _moments_as_numbers(moments: np.ndarray, has_date: bool) -> tuple[np.ndarray, str, str, str]:
    """(numbers, unit, earliest, latest): decimal years over 3+ years, else days, hours or
    seconds since the earliest. A decimal year is y + (t - Jan 1 of y) / (length of year y)."""
    low, high = moments.min(), moments.max()
    span = (high - low) / np.timedelta64(1, "s")

    def label(moment: np.datetime64) -> str:
        text = str(moment.astype("datetime64[s]")).replace("T", " ")
        if not has_date:
            return text.split(" ")[1]
        return text.removesuffix(" 00:00:00").removesuffix(":00")

    earliest, latest = label(low), label(high)
    if has_date and span >= 3 * 365.25 * _DAY:
        years = moments.astype("datetime64[Y]")
        start = years.astype("datetime64[us]")
        length = (years + 1).astype("datetime64[us]") - start
        numbers = years.astype(np.int64) + 1970 + (moments - start) / length
        return numbers.astype(np.float64), "decimal year", earliest, latest
    seconds = (moments - low) / np.timedelta64(1, "us") / 1e6
    if has_date and span >= 3 * _DAY:
        return seconds / _DAY, f"days since {earliest}", earliest, latest
    if span >= 3 * 3600.0:
        return seconds / 3600.0, f"hours since {earliest}", earliest, latest
    return seconds, f"seconds since {earliest}", earliest, latest


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


# --- reading the table ----------------------------------------------------------------------


def _read_frame(
    tail: str, layout: _Layout, max_rows: int, decimal: str, header: list[str]
) -> pd.DataFrame:
    """pandas' C parser over the data lines; every failure becomes a GdvizError."""
    options: dict[str, Any] = {"sep": r"\s+"}
    if layout.delimiter is not None:
        options = {"sep": layout.delimiter, "skipinitialspace": True}
    try:
        with warnings.catch_warnings():
            # pandas' warnings are not for the person loading; what matters is checked below.
            warnings.simplefilter("ignore")
            return pd.read_csv(
                io.StringIO(tail),
                header=None,
                nrows=max_rows + 1,
                skip_blank_lines=False,  # keeps one row per line, to number rows by line
                engine="c",
                low_memory=False,
                decimal=decimal,
                **options,
            )
    except Exception as error:  # the parser's failures are the file's fault
        raise _parser_error(error, tail, layout, header) from None


def _parser_error(error: Exception, tail: str, layout: _Layout, header: list[str]) -> GdvizError:
    """The parser's failure in words, with the line an editor shows."""
    lines = str(error).strip().splitlines()
    reason = lines[-1].removeprefix("Error tokenizing data. C error: ") if lines else ""
    bad = _BAD_LINE.search(reason)
    if bad:
        expected, record, saw = (int(n) for n in bad.groups())
        found = _nth_record(tail, layout.delimiter, record)
        line, fields = layout.data_line + record - 1, []
        if found:
            line, fields = found[0] + layout.data_line - 1, found[1]
        reason = f"line {line} has {saw} values, but the lines above it have {expected}"
        names = [_clean_name(name) for name in header]
        if len(names) == expected:
            reason += f" (the header, line {layout.header_line}, names {_column_list(names)})"
        if len(fields) > expected:
            after = f", after column {_show(names[-1])}" if len(names) == expected else ""
            reason += f"; the extra value is {_show(fields[expected])}{after}"
        if any(cell.startswith("#") for cell in fields):
            reason += (
                '. A comment after the values (from "#") is not read: put it on a line of its own'
            )
        elif layout.delimiter is None:
            reason += (
                ". Values here are separated by spaces, so a value with a space in it (such as "
                "a name) splits in two; save the file with commas or tabs between values"
            )
    elif "EOF inside string" in reason:
        found = _last_record(tail, layout.delimiter)
        where = ""
        if found:
            line, fields = found
            names = _column_names(header, max(len(fields), 1))
            column = names[len(fields) - 1] if fields else names[0]
            where = f" on line {line + layout.data_line - 1} (column {_show(column)})"
        reason = f'a quote mark (") opened{where} is never closed'
    reason = reason or type(error).__name__
    return GdvizError(f"Could not read this file as CSV: {reason[:400]}.")


def _all_records(tail: str, delimiter: str | None) -> Iterator[tuple[int, list[str]]]:
    """(1-based line, fields) of every record of `tail`, blank lines included, as pandas."""
    lines = io.StringIO(tail, newline="")
    if delimiter is None:
        for index, line in enumerate(lines):
            yield index + 1, _split_spaces(line)
        return
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    start = 0
    try:
        for fields in reader:
            yield start + 1, fields
            start = reader.line_num
    except csv.Error:
        return


def _nth_record(tail: str, delimiter: str | None, n: int) -> tuple[int, list[str]] | None:
    for count, found in enumerate(_all_records(tail, delimiter), start=1):
        if count == n:
            return found
    return None


def _last_record(tail: str, delimiter: str | None) -> tuple[int, list[str]] | None:
    found = None
    for found in _all_records(tail, delimiter):  # noqa: B007  # the last one is wanted
        pass
    return found


def _row_lines(
    frame: pd.DataFrame, tail: str, first_line: int, delimiter: str | None
) -> np.ndarray:
    """The file line each row of `frame` starts on: one row per line, but for quoted cells
    that span lines (the line breaks in a row's text cells are counted)."""
    n = len(frame)
    lines = np.arange(first_line, first_line + n, dtype=np.int64)
    if '"' not in tail:
        return lines
    spans = np.zeros(n, dtype=np.int64)
    try:
        for name in frame.columns:
            if frame[name].dtype.kind not in "biufcmM":
                counts = frame[name].astype("string").str.count(r"\r\n|\r|\n")
                spans += counts.fillna(0).to_numpy(dtype=np.int64)
    except (TypeError, ValueError, AttributeError):  # odd cells: count records one by one
        starts = [line for line, _ in _all_records(tail, delimiter)]
        if len(starts) >= n:
            return np.asarray(starts[:n], dtype=np.int64) + first_line - 1
        return lines
    if not spans.any():
        return lines
    return lines + np.concatenate(([0], np.cumsum(spans)[:-1]))


def _line_texts(text: str, rows: Iterable[int]) -> list[str]:
    """The text of the given 1-based lines of `text`."""
    raw = text.encode("utf-8", "surrogatepass")
    codes = np.frombuffer(raw, dtype=np.uint8)
    lone_cr = (codes == 13) & np.append(codes[1:] != 10, True)
    ends = np.flatnonzero((codes == 10) | lone_cr)  # the same line ends as pandas' parser
    starts = np.append(0, ends + 1)
    stops = np.append(ends, len(raw))
    out = []
    for row in rows:
        if 1 <= row <= len(starts):
            piece = raw[starts[row - 1] : stops[row - 1]]
            out.append(piece.decode("utf-8", "surrogatepass").rstrip("\r\n"))
        else:
            out.append("")
    return out


def _check_even_split(frame: pd.DataFrame, text: str, layout: _Layout) -> None:
    """Space-separated rows must all have every value: an empty cell in a fixed-width file
    shifts the values after it left, into the wrong columns."""
    width = frame.shape[1]
    short = frame.iloc[:, -1].isna().to_numpy()
    if layout.delimiter is not None or not short.any():
        return
    rows = frame.index.to_numpy()[short]
    for row, line in zip(rows, _line_texts(text, rows), strict=True):
        fields = _split_spaces(line)
        if 0 < len(fields) < width:
            names = [_clean_name(name) for name in layout.header]
            above = f" ({_column_list(names)})" if len(names) == width else ""
            raise GdvizError(
                f"Line {row} has {len(fields)} values ({_column_list(fields)}), but the lines "
                f"above it have {width}{above}. The values are separated by spaces (columns "
                "lined up, fixed-width), so an empty cell moves the values after it one column "
                f"left and gdviz cannot tell which column {_show(fields[-1])} belongs to. Write "
                "NA in empty cells, or save the file with commas or tabs between values."
            )


def _align_names(
    frame: pd.DataFrame,
    first: Callable[[], _Column],
    layout: _Layout,
    notes: list[str],
    text: str,
) -> tuple[list[str], bool]:
    """Names for the frame's columns from the header, and whether column 1 is a row index
    to skip. Refuses a header whose names cannot be matched to the columns."""
    width = frame.shape[1]
    header = [_clean_name(name) for name in layout.header]
    if len(header) > width and not any(header[width:]):
        header = header[:width]  # a trailing separator on the header line only
    if not header or len(header) == width:
        unnamed = bool(header) and (not header[0] or re.fullmatch(r"Unnamed: 0", header[0]))
        skip = unnamed and any(header[1:]) and _is_index(first(), notes, "It has no name")
        return _column_names(header, width), bool(skip)
    if len(header) == width - 1:
        if frame.iloc[:, -1].isna().all():  # a trailing separator on the data lines only
            return _column_names(header, width), False
        why = (
            f"The header (line {layout.header_line}) has one name fewer than the rows have "
            "values, as R's write.table writes: the names belong to the columns after it"
        )
        if _is_index(first(), notes, why):
            return _column_names(["", *header], width), True
    if layout.delimiter is None and len(header) > width and layout.header_line:
        line = _line_texts(text, [layout.header_line])[0]
        spaced = [name for name in re.split(r"\s{2,}|\t", line.strip()) if name]
        if len(spaced) == width:
            notes.append(
                f"The names in the header (line {layout.header_line}) have spaces in them, so "
                f"they were split at runs of 2 or more spaces: {_column_list(spaced)}."
            )
            return _column_names(spaced, width), False
    row = " ".join(layout.sample[0]) if layout.sample else ""
    hint = ""
    if layout.delimiter is None:
        hint = " With spaces between values, a name with a space in it splits in two."
    raise GdvizError(
        f"The header (line {layout.header_line}) has {len(header)} names "
        f"({_column_list(header)}), but the rows below it have {width} values (line "
        f"{layout.data_line}: {_show(row)}), so gdviz cannot tell which name belongs to which "
        f"column.{hint} Give each column one name, or leave the header out."
    )


def _is_index(column: _Column, notes: list[str], why: str) -> bool:
    """Whether the first column holds row numbers (increasing whole numbers from 0 or more) or
    row labels (text) — an index, not data; if so, says it in a note."""
    values = column.values
    if column.dates:
        return False
    if values is not None:
        if not (np.isfinite(values).all() and (values == np.round(values)).all()):
            return False
        if len(values) == 0 or values[0] < 0 or (len(values) > 1 and np.diff(values).min() <= 0):
            return False
        what = f"the row numbers {int(values[0])} to {int(values[-1])}"
    elif column.labels:
        what = "row labels"
    else:
        return False
    notes.append(
        f"{why}. Column 1 holds {what}, a row index as R and pandas write, so it is skipped."
        if why.startswith("The header")
        else f"Skipped column 1: it has no name and holds {what}, a row index as R's write.csv "
        "and pandas' to_csv write."
    )
    return True


def _file_style(layout: _Layout) -> str | None:
    """The decimal mark the first rows show: "point", "comma", or None (both, or neither)."""
    shown, _, _ = _style_of(cell for row in layout.sample for cell in row)
    if shown in ("point", "comma"):
        return shown
    if shown is None and layout.delimiter == ",":
        return "point"  # a comma-separated file cannot have bare decimal commas
    if shown is None and not any(
        _cell_style(cell) == "either" for row in layout.sample for cell in row
    ):
        return "point"  # whole numbers only so far: nothing to decide
    return None


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
        A Table; see its docstring and the module's loading rules. Raises GdvizError when the
        file is empty, not text, has one column, has no column of numbers, is too large, or
        cannot be split into columns for sure.
    """
    max_rows = _check_int("max_rows", max_rows, 1)
    text = _decode(_read_bytes(source, max_bytes))
    # Trailing blank lines would count towards max_rows; a final newline is what pandas expects.
    text = text.removeprefix("\ufeff").rstrip() + "\n"
    prepared = _prepare(text)
    text = prepared.text
    layout = _layout(prepared)
    notes = list(layout.notes)
    if prepared.n_comments:
        notes.insert(
            0,
            f"Skipped {_plural(prepared.n_comments, 'comment line')} starting with "
            f'"#" ({_line_list(prepared.comment_lines)}'
            f"{' and more' if prepared.n_comments > len(prepared.comment_lines) else ''}).",
        )
    style = _file_style(layout)
    decimal = "." if layout.delimiter == "," or style == "point" else ","
    tail = text[layout.data_start :]
    frame = _read_frame(tail, layout, max_rows, decimal, layout.header)
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
    frame.index = pd.Index(_row_lines(frame, tail, layout.data_line, layout.delimiter))
    empty = frame.isna().all(axis=1).to_numpy()
    if empty.any():
        rows = frame.index.to_numpy()[empty]
        blank = np.zeros(len(frame), dtype=bool)
        blank[empty] = [not line.strip() for line in _line_texts(text, rows)]
        frame = frame.loc[~blank]
    _check_even_split(frame, text, layout)

    lines = frame.index.to_numpy()
    frame.columns = pd.RangeIndex(frame.shape[1])
    try:
        read: dict[str, _Column] = {}

        def first() -> _Column:  # only read here when the header leaves column 1 in doubt
            if "column 1" not in read:
                read["column 1"] = _read_column("column 1", frame[0], lines, style, decimal)
            return read["column 1"]

        names, skip_first = _align_names(frame, first, layout, notes, text)
        columns = [
            read[name]
            if j == 0 and name in read
            else _read_column(name, frame[j], lines, style, decimal)
            for j, name in enumerate(names)
            if j or not skip_first
        ]
    except GdvizError:
        raise
    except Exception as error:  # an odd cell must not crash the page
        raise GdvizError(f"Could not read this file as CSV: {type(error).__name__}.") from None
    if skip_first:
        frame = frame.iloc[:, 1:]
    final = _unique([c.name for c in columns])
    data = {}
    for j, (column, name) in enumerate(zip(columns, final, strict=True)):
        data[name] = column.values if column.values is not None else frame.iloc[:, j]
    frame = pd.DataFrame(data, index=frame.index, copy=False)
    numeric = tuple(n for c, n in zip(columns, final, strict=True) if c.values is not None)
    reasons = {n: c.reason for c, n in zip(columns, final, strict=True) if c.values is None}
    column_notes = {n: c.note for c, n in zip(columns, final, strict=True) if c.note}
    renamed = {
        original: n
        for original, c, n in zip(names[skip_first:], columns, final, strict=True)
        if original != n
    }
    for column, name in zip(columns, final, strict=True):
        if column.values is None and column.number_like:
            notes.append(f"Column {_show(name)} is not offered for x or y: {column.reason}")
    if not numeric:
        shown = " ".join(reasons[name] for name in final[:5])
        raise GdvizError(
            f"No column of this file holds only numbers, so there is nothing to use as x and y. "
            f"{shown}"
        )
    return Table(
        frame=frame,
        numeric_columns=numeric,
        has_header=bool(layout.header),
        notes=tuple(notes),
        column_notes=column_notes,
        reasons=reasons,
        renamed=renamed,
    )


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for j, name in enumerate(names):
        while name in out:
            name = f"{name} (column {j + 1})"
        out.append(name)
    return out


def _resolve(table: Table, spec: str | int | None, axis: str) -> str | None:
    """The column name that `spec` (a name, the file's name of a renamed column, or a 0-based
    position) refers to."""
    names = [str(name) for name in table.frame.columns]
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec in names:
            return spec
        if spec in table.renamed:
            return table.renamed[spec]
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


def _as_numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as float64 with NaN for missing or text, mask of cells holding text): for a
    Table made by hand, whose columns come with no reasons."""
    kind = column.dtype.kind
    if kind in "fiu":
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.zeros(len(values), dtype=bool)
    if kind == "b":
        return np.full(len(column), np.nan), np.ones(len(column), dtype=bool)
    values = np.array([_parse_float(v) for v in column.tolist()], dtype=np.float64)
    text = column.notna().to_numpy() & np.isnan(values)
    if text.any():
        suspects = np.flatnonzero(text)
        cells = column.iloc[suspects].astype(str).str.strip().str.lower()
        text[suspects[cells.isin(_MISSING).to_numpy()]] = False
    return values, text


def _rejection(name: str, table: Table) -> str:
    """Why column `name` cannot be x or y, for a message."""
    if name in table.reasons:
        return table.reasons[name]
    frame = table.frame
    values, text = _as_numbers(frame[name])
    if text.any():
        i = int(np.argmax(text))
        return _text_reason(name, frame[name].iloc[i], int(frame.index[i]))
    if not np.isfinite(values).any():
        return f"Column {_show(name)} has no numbers in it."
    return f"Column {_show(name)} holds only numbers."


def _check_chosen(table: Table, name: str) -> None:
    if name not in table.numeric_columns:
        raise GdvizError(_rejection(name, table))


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


def _check_magnitude(axis: str, name: str, values: np.ndarray, lines: np.ndarray) -> None:
    """Refuse, naming column, value and line, a value beyond ±MAX_MAGNITUDE (see there)."""
    too_big = np.flatnonzero(np.abs(values) > MAX_MAGNITUDE)
    if too_big.size:
        i = int(too_big[0])
        raise GdvizError(
            f"{axis} (column {_show(name)}) has {float(values[i]):g} on line {int(lines[i])} of "
            f"the file: gdviz takes values between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g} "
            "(it sums their squares, which would overflow). Rescale the column, for example "
            "into other units, and upload it again."
        )


def choose_columns(table: Table, x: str | int | None = None, y: str | int | None = None) -> Points:
    """Points from two columns of a Table.

    Args:
        table: from `read_table`.
        x, y: a column name, or a 0-based position (an int; a string is always a name).
            By default, the first numeric columns not already chosen.

    Returns:
        Points with the rows where x or y is missing or infinite dropped. Its `notes` are the
        table's notes, those of columns x and y, and the dropped rows (counted and named).
        Raises GdvizError for an unknown column, a column with text in it, x and y the same
        column, fewer than 2 usable points, or all x equal.
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
        reasons = " ".join(_rejection(name, table) for name in rejected[:5])
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
    lines = table.frame.index.to_numpy()[usable]
    for axis, name, values in (("x", x_name, xs), ("y", y_name, ys)):
        _check_magnitude(axis, name, values, lines)
    return Points(
        x=xs,
        y=ys,
        x_name=x_name,
        y_name=y_name,
        dropped=len(dropped_rows),
        notes=(*table.notes_for(x_name, y_name), _dropped_note(dropped_rows)),
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


# --- the uploader's rules, in words ----------------------------------------------------------

_WORKBOOKS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")


def upload_rules_text(max_mb: int, extensions: Sequence[str]) -> str:
    """What the file uploader accepts, in one short paragraph to show under it.

    The browser refuses a file of another type, or a larger one, before gdviz sees it (the
    uploader only marks it red), so the rules must be shown up front. `extensions` are the
    uploader's `type` list ("csv" or ".csv").
    """
    max_mb = _check_int("max_mb", max_mb, 1)
    kinds = [f".{str(ext).strip().lstrip('.').lower()}" for ext in extensions]
    kinds = list(dict.fromkeys(kind for kind in kinds if kind != "."))
    if not kinds:
        raise GdvizError("The uploader must accept at least one file type, such as csv.")
    shown = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]
    workbooks = [kind for kind in _WORKBOOKS if kind not in kinds]
    advice = (
        f" Other files are refused, with a red mark: save an Excel or LibreOffice workbook "
        f"({', '.join(workbooks[:3])}) as CSV first (File > Save As > CSV)"
        if workbooks
        else " Other files are refused, with a red mark"
    )
    return (
        f"Text files of values ({shown}) up to {_count(max_mb)} MB: comma, semicolon, tab or "
        f"space between values, a header row optional.{advice}, and split a larger file or "
        "keep only the columns you need."
    )
