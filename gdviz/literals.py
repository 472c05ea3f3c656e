"""Python literals for generated scripts: numbers that read back exactly, tidy strings."""

from __future__ import annotations


def exact(value) -> str:
    """A float as a Python literal that reads back to the same number."""
    return repr(float(value))


def short(value: float) -> str:
    """A float as a short literal (1e6, not 1000000.0) when that reads back exactly."""
    short = f"{value:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
    return short if float(short) == value else exact(value)


def string(text: str) -> str:
    """A string as a Python literal, in double quotes where that needs no escapes."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        return '"' + literal[1:-1] + '"'
    return literal
