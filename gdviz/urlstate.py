"""One codec for every page: a frozen settings record <-> URL query parameters.

A settings dataclass declares its URL parameters on its fields, `x: float = param(1.0, "float",
0.0, 1e6)`, so the record is the one place that says what travels in a link and within which
bounds. `read_fields` builds the record from a query: a malformed value falls back to its
default and an out-of-range one is clamped, each with a note in words; nothing raises.
`write_fields` writes the record back with readable numbers (`lr=0.02`, not `0.02000000`), so a
copied address reproduces the page. Parameters that are not one field (an optimizer's
hyperparameters, the compare page's list of runs) are read with the same `Field.parse`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, TypeVar

MAX_QUOTED = 40  # characters of a bad value quoted back in a note

Record = TypeVar("Record")


@dataclass(frozen=True)
class Field:
    """How one URL parameter is parsed and bounded."""

    kind: Literal["float", "int", "bool", "choice"]
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    url_name: str | None = None  # the parameter's name in links, when not the field's

    def parse(self, name: str, raw: str, default: Any) -> tuple[Any, str | None]:
        """(value, note): the parsed value, or the default/clamped value and why, in words."""
        if self.kind == "choice":
            if raw in self.choices:
                return raw, None
            allowed = ", ".join(self.choices)
            return default, f"Ignored {name}={quote_value(raw)}: not one of {allowed}."
        if self.kind == "bool":
            lowered = raw.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True, None
            if lowered in ("0", "false", "no", "off"):
                return False, None
            return default, f"Ignored {name}={quote_value(raw)}: expected 1 or 0."
        try:
            number = float(raw)
        except ValueError:
            return default, f"Ignored {name}={quote_value(raw)}: not a number."
        if not math.isfinite(number):
            return default, f"Ignored {name}={quote_value(raw)}: not a finite number."
        if self.kind == "int":
            if number != int(number):
                return default, f"Ignored {name}={quote_value(raw)}: not a whole number."
            number = int(number)
        if self.low is not None and number < self.low:
            note = f"{name}={raw} is below the minimum {self.low:g}; used it."
            return type(default)(self.low), note
        if self.high is not None and number > self.high:
            note = f"{name}={raw} is above the maximum {self.high:g}; used it."
            return type(default)(self.high), note
        return number, None


def param(
    default: Any,
    kind: Literal["float", "int", "bool", "choice"],
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] = (),
    *,
    url_name: str | None = None,
) -> Any:
    """A dataclass field that travels in the URL under its own name (or `url_name`, which
    keeps links working when a field is renamed), parsed by `Field`."""
    spec = Field(kind, low, high, choices, url_name)
    return dataclasses.field(default=default, metadata={"url": spec})


def url_fields(cls: type) -> dict[str, Field]:
    """The URL parameters a settings class declares, in field order."""
    return {f.name: f.metadata["url"] for f in fields(cls) if "url" in f.metadata}


def quote_value(text: object) -> str:
    """A value from a URL, shortened and quoted, for a note in words."""
    text = str(text)
    return repr(text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…")


def first_value(value: object) -> str:
    """Query parameters may repeat; the first occurrence wins. Spaces around it are dropped."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


def read_param(
    params: Mapping[str, object], name: str, spec: Field, default: Any, notes: list[str]
) -> Any:
    """The value of `name` in `params` (or `default` when absent), noting anything not used."""
    if name not in params:
        return default
    value, note = spec.parse(name, first_value(params[name]), default)
    if note:
        notes.append(note)
    return value


def read_fields(
    params: Mapping[str, object],
    defaults: Record,
    notes: list[str],
    *,
    skip: Collection[str] = (),
) -> Record:
    """`defaults` with every declared URL field found in `params` parsed in (but `skip`)."""
    values = {
        name: read_param(params, spec.url_name or name, spec, getattr(defaults, name), notes)
        for name, spec in url_fields(type(defaults)).items()
        if name not in skip
    }
    return replace(defaults, **values)


def format_value(value: object) -> str:
    """A value as a URL shows it: 1/0 for switches, the shortest exact text for numbers."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e16 else str(int(value))
    return str(value)


def write_fields(record: object, *, skip: Collection[str] = ()) -> dict[str, str]:
    """The declared URL fields of `record` as query parameters (but `skip`)."""
    return {
        spec.url_name or name: format_value(getattr(record, name))
        for name, spec in url_fields(type(record)).items()
        if name not in skip
    }
