"""Your own function f(x, y): a typed formula checked, normalised and differentiated exactly.

    parse_function("sin(x)*cos(y) + 0.1*(x**2 + y**2)")  ->  a TestFunction with exact ∇f

The grammar (everything else is refused with a sentence naming it and its column):

* numbers up to ±1e6 (`3`, `0.1`, `2.5e-3`), the variables `x`, `y`, the constants `pi` (π)
  and `e`;
* `+ - * /`, unary `+ -`, and `**` with a constant exponent p, |p| ≤ 10 (`x**2`, `x**-0.5`,
  `x**(1/3)`); `^` means power too (`x^2` = `x**2`: a caret is how people write powers, and
  Python's `^` is a bit operation nobody means here), and `−`, `×`, `·`, `²`, `³` as printed
  in gdviz's own formulas are read as `-`, `*`, `*`, `**2`, `**3`;
* the functions sin cos tan exp log sqrt tanh abs, each of one argument.

How it is read, never run: the text is checked as characters (≤ 1,000 typed, no comment `#`,
no quotes, no invisible characters; brackets balanced and at most 20 deep), then parsed by
Python's `ast.parse` (a parser only: nothing is evaluated, imported or compiled to code), then
the tree is walked against the whitelist above (at most 120 parts, 60 levels deep), and turned
into a small tree of our own (`Num`, `Var`, `Neg`, `Binary`, `Power`, `Call`), whose
normalised text may be at most 200 characters long, spaces not counted (the limit is on the
normalised text so that it, the share link, is always accepted back). Nothing of the
user's text ever reaches eval/exec/compile, sympy's `sympify`/`parse_expr` (they call eval) or
numexpr.

Exact gradients, forward mode: each node of the checked tree becomes a closure returning the
value and both partial derivatives together (dual numbers: (u, ∂u/∂x, ∂u/∂y) with the chain
rule at each node, e.g. (u·v)' = u'v + uv', (u/v)' = (u' − (u/v)·v')/v, (uᵖ)' = p·uᵖ⁻¹·u',
sin' = cos, log' = 1/u, sqrt' = 1/(2√u)). Sub-trees without x or y are folded to constants
first, so `sqrt(0)*x` has the derivative 0, not 0/0. Two evaluators share the tree: Python
floats (the engine's hot path, a few µs per step) and numpy arrays (a whole grid in one call,
broadcasting like the built-in functions). Where Python's `math` raises (log of a negative,
division by zero, overflow) the point is evaluated again with numpy under
`np.errstate(all="ignore")`, so every value is IEEE's answer (nan, ±inf) without a warning or
an exception; the engine reads a non-finite value as a divergence.

Bounded by construction, so no worker process: a subprocess with a time and memory limit guards
against work whose size the input controls. Here every stage is bounded by the limits: reading
≤ 1,000 characters is linear; `ast.parse` is the one stage that could exhaust the C stack on
deep nesting (CPython's own guard against that differs between versions), and the bracket check
on the raw text stops it first (20 levels); the checked tree has ≤ 120 nodes; every number is a
float ≤ 1e6 and every exponent a constant ≤ 10 in size, so no big integers are ever built
(`9**9**9` is refused, not computed) and a value costs ≤ 120 float operations per point. The
benchmark prints the worst cases (a cold parse well under a millisecond). A worker would add a
process start (tens of ms) to every new formula and a pickling boundary for the closures, for
no risk left to contain. Parsed formulas are cached (LRU, 512 entries) by their text, and the
compiled closures by the normalised text, so `x^2+y^2` and `x**2 + y**2` share one.

Quadratics: when f is a polynomial of degree ≤ 2 in x and y (found by expanding the tree, with
constant sub-trees folded), its Hessian is constant and is set on the TestFunction, so gdviz's
stability limits (2/λmax) apply to typed quadratics; when that Hessian is positive definite the
one minimum −H⁻¹b (b the linear coefficients) is set too. Otherwise minima are unknown (()).
"""

from __future__ import annotations

import ast
import functools
import math
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gdviz.errors import GdvizError
from gdviz.objectives import TEST_FUNCTIONS, TestFunction, Window, test_function

MAX_LENGTH = 200  # characters of the formula written out (normalised), spaces not counted
MAX_INPUT = 1000  # characters typed, spaces included: a cheap gate before anything else
MAX_BRACKET_DEPTH = 20
MAX_NODES = 120
MAX_DEPTH = 60
MAX_NUMBER = 1e6
MAX_EXPONENT = 10.0
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs")
CONSTANTS = {"pi": math.pi, "π": math.pi, "e": math.e}
VARIABLES = ("x", "y")
DEFAULT_WINDOW: Window = ((-3.0, 3.0), (-3.0, 3.0))
DEFAULT_START = (2.5, -1.0)  # the valley's start, so a typed valley runs like the built-in
CUSTOM_NAME = "custom"

# Printed forms people paste from gdviz's own formulas (or type by habit), read as Python.
_ALIASES = {"^": "**", "−": "-", "×": "*", "·": "*", "²": "**2", "³": "**3"}
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_HINT = "write it like x**2 + 3*y**2 or sin(x)*cos(y)"
_ALLOWED = "Allowed: numbers, x, y, pi, e, + - * / ** (or ^), and " + ", ".join(FUNCTIONS) + "."


# --------------------------------------------------------------------------------------------
# The checked tree
# --------------------------------------------------------------------------------------------


class Num(NamedTuple):
    """A number (value ≥ 0: a minus sign is a `Neg`) and how it is written ('3', 'pi')."""

    value: float
    text: str


class Var(NamedTuple):
    """x (index 0) or y (index 1)."""

    index: int


class Neg(NamedTuple):
    arg: Node


class Binary(NamedTuple):
    """arg0 op arg1 with op one of + - * /."""

    op: str
    left: Node
    right: Node


class Power(NamedTuple):
    """base ** exponent, the exponent a constant sub-tree whose value is p (|p| ≤ 10)."""

    base: Node
    exponent: Node
    p: float


class Call(NamedTuple):
    """One of FUNCTIONS applied to one argument."""

    name: str
    arg: Node


Node = Num | Var | Neg | Binary | Power | Call
Matrix = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Expression:
    """A checked formula: its tree, its normalised text, and what is known in closed form.

    `text` is the canonical spelling (re-parses to the same tree: the cache key and the share
    link); `formula` the printed form (x² + 3·y²); `hessian` the constant Hessian of a
    quadratic (else None) and `minimum` its minimum when that Hessian is positive definite.
    """

    tree: Node
    text: str
    formula: str
    hessian: Matrix | None
    minimum: tuple[float, float] | None


# --------------------------------------------------------------------------------------------
# Reading: characters, brackets, ast, whitelist
# --------------------------------------------------------------------------------------------


class _Source(NamedTuple):
    """The text given to ast.parse, with the column of each of its characters in the typed
    text (aliases such as ^ -> ** change lengths), so messages point at what was typed."""

    text: str
    origin: tuple[int, ...]  # origin[i]: index in the typed text of text[i]; one extra at end
    typed: str

    def column(self, index: int) -> int:
        """1-based column in the typed text of character `index` of `text`."""
        return self.origin[max(0, min(index, len(self.origin) - 1))] + 1

    def column_of_byte(self, offset: int) -> int:
        """The same for an ast offset, which counts UTF-8 bytes, not characters."""
        return self.column(len(self.text.encode()[:offset].decode(errors="ignore")))


def _quote(fragment: str) -> str:
    fragment = " ".join(fragment.split())
    return repr(fragment if len(fragment) <= 30 else fragment[:29] + "…")


def _translate(text: str) -> _Source:
    """Check the characters and replace the printed aliases; refuse what ast would hide or
    what has no place in a formula (comments, quotes, line breaks, invisible characters)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        col = i + 1
        if ch == " " and not out:
            continue  # Python reads leading spaces as an indent
        if ch == "#":
            raise GdvizError(f"A comment (#) at column {col} is not allowed; {_HINT}.")
        if ch in "'\"":
            raise GdvizError(
                f"Text in quotes at column {col} is not allowed: a formula has no strings; {_HINT}."
            )
        if ch == "\\":
            raise GdvizError(f"The backslash at column {col} is not allowed; {_HINT}.")
        if not ch.isprintable():
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise GdvizError(
                f"The invisible character {name} at column {col} is not allowed: "
                "write the function on one line."
            )
        piece = _ALIASES.get(ch, ch)
        out.append(piece)
        origin.extend([i] * len(piece))
    origin.append(len(text))
    return _Source("".join(out), tuple(origin), text)


def _check_brackets(source: _Source) -> None:
    """Balanced and at most MAX_BRACKET_DEPTH deep, checked before ast.parse (whose C parser
    recurses on nesting)."""
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(source.text):
        if ch in _BRACKETS:
            stack.append((ch, i))
            if len(stack) > MAX_BRACKET_DEPTH:
                raise GdvizError(
                    f"Brackets are nested more than {MAX_BRACKET_DEPTH} deep at column "
                    f"{source.column(i)}; simplify the formula."
                )
        elif ch in ")]}":
            if not stack:
                raise GdvizError(
                    f"The bracket {ch!r} at column {source.column(i)} has no opening bracket "
                    "before it."
                )
            opener, at = stack.pop()
            if _BRACKETS[opener] != ch:
                raise GdvizError(
                    f"The bracket {ch!r} at column {source.column(i)} does not match "
                    f"{opener!r} at column {source.column(at)}."
                )
    if stack:
        opener, at = stack[-1]
        raise GdvizError(f"The bracket {opener!r} at column {source.column(at)} is never closed.")


def _parse_ast(source: _Source) -> ast.expr:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning "'int' is not callable"
            return ast.parse(source.text, mode="eval").body
    except SyntaxError as exc:
        at = (exc.offset or len(source.text) + 1) - 1
        where = (
            "at the end"
            if at >= len(source.text)
            else f"at column {source.column(at)} ({_quote(source.typed[source.origin[at] :][:8])})"
        )
        reason = (exc.msg or "invalid syntax").rstrip(".")
        if "decimal literal" in reason:  # 3y, 2pi: Python's words for a missing *
            reason = "a number runs straight into a name; put * between them (3*y, not 3y)"
        raise GdvizError(f"The formula cannot be read {where}: {reason}; {_HINT}.") from None
    except (ValueError, RecursionError, MemoryError):
        raise GdvizError(f"The formula cannot be read; {_HINT}.") from None


_REFUSED_NODES = {
    ast.Attribute: "Attribute access",
    ast.Subscript: "Indexing with [ ]",
    ast.Lambda: "A lambda",
    ast.ListComp: "A comprehension (for … in …)",
    ast.SetComp: "A comprehension (for … in …)",
    ast.DictComp: "A comprehension (for … in …)",
    ast.GeneratorExp: "A comprehension (for … in …)",
    ast.List: "A list [ ]",
    ast.Tuple: "A comma (a tuple)",
    ast.Set: "A set { }",
    ast.Dict: "A dict { }",
    ast.Compare: "A comparison",
    ast.BoolOp: "The logic operator",
    ast.IfExp: "A conditional (if … else)",
    ast.NamedExpr: "An assignment (:=)",
    ast.Starred: "Unpacking with *",
    ast.Slice: "A slice",
    ast.Await: "An await",
    ast.Yield: "A yield",
    ast.YieldFrom: "A yield",
    ast.JoinedStr: "Text in quotes",
    ast.FormattedValue: "Text in quotes",
}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class _Checker:
    """Walks Python's tree against the whitelist and builds the checked tree."""

    def __init__(self, source: _Source):
        self.source = source

    def where(self, node: ast.AST) -> str:
        return f"at column {self.source.column_of_byte(node.col_offset)}"

    def segment(self, node: ast.AST) -> str:
        return _quote(ast.get_source_segment(self.source.text, node) or "")

    def check(self, node: ast.expr, depth: int = 1) -> Node:
        if depth > MAX_DEPTH:
            raise GdvizError(
                f"The formula nests more than {MAX_DEPTH} levels deep {self.where(node)}; "
                "simplify it."
            )
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            col = self.source.column_of_byte(node.end_col_offset or 0) - len(node.attr) - 1
            return self.refuse(f"Attribute access (.{node.attr}) at column {col}")
        label = _REFUSED_NODES.get(type(node), "The expression")
        return self.refuse(f"{label} {self.segment(node)} {self.where(node)}")

    def refuse(self, what: str):
        raise GdvizError(f"{what} is not allowed. {_ALLOWED}")

    def number(self, node: ast.Constant) -> Num:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            self.refuse(f"{value!r} {self.where(node)}")
        if isinstance(value, complex):
            self.refuse(f"The imaginary number {self.segment(node)} {self.where(node)}")
        if not isinstance(value, int | float):
            self.refuse(f"The value {self.segment(node)} {self.where(node)}")
        if not (math.isfinite(value) and abs(value) <= MAX_NUMBER):
            raise GdvizError(
                f"The number {self.segment(node)} {self.where(node)} is too large: numbers are "
                f"limited to {MAX_NUMBER:,.0f} (1e6) in size."
            )
        return _num(float(value))

    def name(self, node: ast.Name) -> Node:
        if node.id in VARIABLES:
            return Var(VARIABLES.index(node.id))
        if node.id in CONSTANTS:
            return Num(CONSTANTS[node.id], "pi" if node.id == "π" else node.id)
        if node.id in FUNCTIONS:
            raise GdvizError(
                f"{node.id} {self.where(node)} is a function: give it an argument, "
                f"e.g. {node.id}(x)."
            )
        raise GdvizError(
            f"Unknown name {node.id!r} {self.where(node)}: use x, y, pi, e and the functions "
            f"{', '.join(FUNCTIONS)}."
        )

    def unary(self, node: ast.UnaryOp, depth: int) -> Node:
        if isinstance(node.op, ast.UAdd):
            return self.check(node.operand, depth + 1)
        if isinstance(node.op, ast.USub):
            return Neg(self.check(node.operand, depth + 1))
        symbol = "not" if isinstance(node.op, ast.Not) else "~"
        return self.refuse(f"The operator {symbol!r} {self.where(node)}")

    def binary(self, node: ast.BinOp, depth: int) -> Node:
        if isinstance(node.op, ast.Pow):
            return self.power(node, depth)
        op = _OPERATORS.get(type(node.op))
        if op is None:
            return self.refuse(f"The operator {self.operator(node)}")
        return Binary(op, self.check(node.left, depth + 1), self.check(node.right, depth + 1))

    def operator(self, node: ast.BinOp) -> str:
        """The operator's symbol and column: ast records only where its operands are."""
        text = self.source.text
        start = len(text.encode()[: node.left.end_col_offset or 0].decode(errors="ignore"))
        stop = len(text.encode()[: node.right.col_offset].decode(errors="ignore"))
        for i in range(start, stop):
            if text[i] not in " ()":
                symbol = text[i:stop].strip(" ()")
                return f"{symbol!r} at column {self.source.column(i)}"
        return self.where(node)

    def power(self, node: ast.BinOp, depth: int) -> Power:
        base = self.check(node.left, depth + 1)
        exponent = self.check(node.right, depth + 1)
        where = f"at column {self.source.column_of_byte(node.right.col_offset)}"
        if _depends(exponent):
            raise GdvizError(
                f"The exponent {self.segment(node.right)} {where} contains x or y; powers need "
                "a constant exponent (for a**x write exp(x*log(a)))."
            )
        p = _constant(exponent)
        if not math.isfinite(p):
            raise GdvizError(
                f"The exponent {self.segment(node.right)} {where} is not a finite number."
            )
        if abs(p) > MAX_EXPONENT:
            raise GdvizError(
                f"The exponent {self.segment(node.right)} {where} is {p:.6g}: exponents are "
                f"limited to between -{MAX_EXPONENT:g} and {MAX_EXPONENT:g}."
            )
        return Power(base, exponent, p)

    def call(self, node: ast.Call, depth: int) -> Call:
        func = node.func
        if isinstance(func, ast.Attribute):
            return self.check(func, depth + 1)  # refused, with the attribute's name
        if not isinstance(func, ast.Name):
            return self.refuse(
                f"Calling {self.segment(func)} {self.where(node)} (only function names can be "
                "called)"
            )
        if func.id not in FUNCTIONS:
            if func.id in VARIABLES or func.id in CONSTANTS:
                raise GdvizError(
                    f"{func.id} {self.where(func)} is not a function: write {func.id}*(…) "
                    "to multiply."
                )
            raise GdvizError(
                f"Unknown function {func.id!r} {self.where(func)}: use {', '.join(FUNCTIONS)}."
            )
        if node.keywords:
            keyword = node.keywords[0]
            label = f"{keyword.arg}=" if keyword.arg else "**"
            raise GdvizError(
                f"The keyword argument {label!r} {self.where(keyword)} is not allowed: "
                f"{func.id} takes one plain argument, e.g. {func.id}(x)."
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.refuse(f"Unpacking with * {self.where(arg)}")
        if len(node.args) != 1:
            raise GdvizError(
                f"{func.id} {self.where(node)} takes one argument, not {len(node.args)}; "
                f"e.g. {func.id}(x)."
            )
        return Call(func.id, self.check(node.args[0], depth + 1))


def _num(value: float) -> Num:
    """A number and its shortest spelling: 3.0 -> '3', 0.1 -> '0.1'."""
    text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return Num(value, text)


@functools.lru_cache(maxsize=4096)
def _depends(node: Node) -> bool:
    """Whether x or y appears in the tree (cached: asked of every sub-tree while compiling)."""
    if isinstance(node, Var):
        return True
    if isinstance(node, Num):
        return False
    if isinstance(node, Binary):
        return _depends(node.left) or _depends(node.right)
    if isinstance(node, Power):
        return _depends(node.base)
    return _depends(node.arg)


def _count(tree: ast.expr) -> int:
    """Expression nodes in Python's tree (operators and contexts are not counted)."""
    return sum(isinstance(n, ast.expr | ast.keyword) for n in ast.walk(tree))


def parse_expression(text: str) -> Expression:
    """Check a typed formula f(x, y) and return its `Expression`; a GdvizError names the first
    thing that is not allowed and its column (see the module docstring for the grammar)."""
    if not isinstance(text, str):
        raise GdvizError(f"The function must be text, not {type(text).__name__}.")
    if len(text) > MAX_INPUT:
        raise GdvizError(
            f"The function is {len(text):,} characters long; the limit is {MAX_LENGTH} "
            "(not counting spaces)."
        )
    return _parse_cached(text)


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str) -> Expression:
    if not text.strip():
        raise GdvizError(f"The function is empty; {_HINT}.")
    source = _translate(text)
    _check_brackets(source)
    body = _parse_ast(source)
    nodes = _count(body)
    if nodes > MAX_NODES:
        raise GdvizError(f"The formula has {nodes} parts; the limit is {MAX_NODES}. Simplify it.")
    tree = _Checker(source).check(body)
    canonical = _text(tree)
    # The limit is on the normalised text, so that text (the share link) is always accepted.
    length = len(canonical.replace(" ", ""))
    if length > MAX_LENGTH:
        raise GdvizError(
            f"The function is {length} characters long written out (not counting spaces; "
            f"x^2 and x² count as x**2); the limit is {MAX_LENGTH}."
        )
    hessian, minimum = _quadratic(tree)
    return Expression(tree, canonical, _pretty(tree), hessian, minimum)


def normalise(text: str) -> str:
    """The canonical spelling of a formula (spacing, brackets and aliases made uniform):
    equal for formulas with the same tree, and parsed back to that tree. For cache keys and
    the share link."""
    return parse_expression(text).text


# --------------------------------------------------------------------------------------------
# Writing the tree back: canonical text and printed formula
# --------------------------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_NEG, _POW, _ATOM = 3, 4, 5


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Neg):
        return _NEG
    if isinstance(node, Power):
        return _POW
    return _ATOM


def _write(node: Node, style: _Style) -> str:
    """The tree as text, with exactly the brackets Python needs to read the same tree back:
    same-precedence operators group left, so a right operand at that level is bracketed; a
    power's base is an atom; its exponent may be signed (x**-2)."""
    if isinstance(node, Num):
        return style.name(node.text)
    if isinstance(node, Var):
        return VARIABLES[node.index]
    if isinstance(node, Call):
        return f"{node.name}({_write(node.arg, style)})"
    if isinstance(node, Neg):
        return style.minus + _wrap(node.arg, _NEG, style)
    if isinstance(node, Power):
        base = _wrap(node.base, _ATOM, style)
        return base + style.power(node.exponent, _wrap(node.exponent, _NEG, style))
    level = _PRECEDENCE[node.op]
    left = _wrap(node.left, level, style)
    right = _wrap(node.right, level + 1, style)
    return left + style.operator(node.op) + right


def _wrap(node: Node, level: int, style: _Style) -> str:
    text = _write(node, style)
    return f"({text})" if _precedence(node) < level else text


class _Style(NamedTuple):
    minus: str
    operators: dict[str, str]
    superscripts: bool

    def name(self, text: str) -> str:
        return "π" if self.superscripts and text == "pi" else text

    def operator(self, op: str) -> str:
        return self.operators[op]

    def power(self, exponent: Node, written: str) -> str:
        if not self.superscripts:
            return "**" + written
        small_int = isinstance(exponent, Num) and exponent.text.isdigit()
        negative = isinstance(exponent, Neg) and isinstance(exponent.arg, Num)
        if small_int or (negative and exponent.arg.text.isdigit()):
            return written.translate(_SUPERSCRIPT)
        return "^" + written


_SUPERSCRIPT = str.maketrans("0123456789−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_CANONICAL = _Style("-", {"+": " + ", "-": " - ", "*": "*", "/": "/"}, False)
_PRINTED = _Style("−", {"+": " + ", "-": " − ", "*": "·", "/": "/"}, True)


def _text(tree: Node) -> str:
    return _write(tree, _CANONICAL)


def _pretty(tree: Node) -> str:
    return _write(tree, _PRINTED)


# --------------------------------------------------------------------------------------------
# Evaluation: value and exact gradient (forward mode), on floats and on arrays
# --------------------------------------------------------------------------------------------

Dual = tuple[float, float, float]  # (u, ∂u/∂x, ∂u/∂y); arrays in the numpy evaluator

_MATH = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "abs": abs,
}
_NUMPY = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "abs": np.abs,
}


def _derivative_factor(name: str, u, fu, lib):
    """d name(u)/du, given u and name(u) = fu (lib is math or numpy)."""
    if name == "sin":
        return lib.cos(u)
    if name == "cos":
        return -lib.sin(u)
    if name == "tan":
        return 1.0 + fu * fu
    if name == "exp":
        return fu
    if name == "log":
        return 1.0 / u
    if name == "sqrt":
        return 0.5 / fu
    if name == "tanh":
        return 1.0 - fu * fu
    return (u > 0) - (u < 0) if lib is math else np.sign(u)  # abs: sign(0) = 0, a subgradient


class _Lib(NamedTuple):
    """What differs between the float and the array evaluator."""

    functions: dict
    pow: Callable
    module: object
    number: Callable  # constants as float or np.float64, so 1/0 is IEEE's inf in numpy


_FLOATS = _Lib(_MATH, math.pow, math, float)
_ARRAYS = _Lib(_NUMPY, np.power, np, np.float64)


def _dual(node: Node, lib: _Lib) -> Callable[[object, object], Dual]:
    """The closure (x, y) -> (u, ∂u/∂x, ∂u/∂y) of a sub-tree, by the chain rule."""
    if not _depends(node):
        c = lib.number(_constant(node))
        return lambda x, y: (c, 0.0, 0.0)
    if isinstance(node, Var):
        if node.index == 0:
            return lambda x, y: (x, 1.0, 0.0)
        return lambda x, y: (y, 0.0, 1.0)
    if isinstance(node, Neg):
        a = _dual(node.arg, lib)

        def neg(x, y):
            u, ux, uy = a(x, y)
            return -u, -ux, -uy

        return neg
    if isinstance(node, Binary):
        return _dual_binary(node.op, _dual(node.left, lib), _dual(node.right, lib))
    if isinstance(node, Power):
        return _dual_power(_dual(node.base, lib), node.p, lib)
    f, a, name, module = lib.functions[node.name], _dual(node.arg, lib), node.name, lib.module

    def call(x, y):
        u, ux, uy = a(x, y)
        fu = f(u)
        d = _derivative_factor(name, u, fu, module)
        return fu, d * ux, d * uy

    return call


def _dual_binary(op: str, a, b):
    if op == "+":

        def add(x, y):
            (u, ux, uy), (v, vx, vy) = a(x, y), b(x, y)
            return u + v, ux + vx, uy + vy

        return add
    if op == "-":

        def sub(x, y):
            (u, ux, uy), (v, vx, vy) = a(x, y), b(x, y)
            return u - v, ux - vx, uy - vy

        return sub
    if op == "*":

        def mul(x, y):
            (u, ux, uy), (v, vx, vy) = a(x, y), b(x, y)
            return u * v, ux * v + u * vx, uy * v + u * vy

        return mul

    def div(x, y):
        (u, ux, uy), (v, vx, vy) = a(x, y), b(x, y)
        q = u / v
        return q, (ux - q * vx) / v, (uy - q * vy) / v

    return div


def _dual_power(a, p: float, lib: _Lib):
    if p == 0.0:  # IEEE: u**0 = 1 for every u, nan and inf included
        return lambda x, y: (1.0, 0.0, 0.0)
    if p == 2.0:  # the common case, exactly as a hand-written u*u

        def square(x, y):
            u, ux, uy = a(x, y)
            d = 2.0 * u
            return u * u, d * ux, d * uy

        return square
    power = lib.pow

    def pow_(x, y):
        u, ux, uy = a(x, y)
        d = p * power(u, p - 1.0)
        return power(u, p), d * ux, d * uy

    return pow_


def _value(node: Node, lib: _Lib, fold: bool = True) -> Callable[[object, object], object]:
    """The closure (x, y) -> u of a sub-tree, without derivatives (for grids); with `fold`,
    sub-trees without x or y are computed once, here."""
    if isinstance(node, Num) or (fold and not _depends(node)):
        c = lib.number(node.value if isinstance(node, Num) else _constant(node))
        return lambda x, y: c
    if isinstance(node, Var):
        return (lambda x, y: x) if node.index == 0 else (lambda x, y: y)
    if isinstance(node, Neg):
        a = _value(node.arg, lib, fold)
        return lambda x, y: -a(x, y)
    if isinstance(node, Binary):
        a, b = _value(node.left, lib, fold), _value(node.right, lib, fold)
        if node.op == "+":
            return lambda x, y: a(x, y) + b(x, y)
        if node.op == "-":
            return lambda x, y: a(x, y) - b(x, y)
        if node.op == "*":
            return lambda x, y: a(x, y) * b(x, y)
        return lambda x, y: a(x, y) / b(x, y)
    if isinstance(node, Power):
        a, p, power = _value(node.base, lib, fold), node.p, lib.pow
        if p == 0.0:  # IEEE: u**0 = 1 for every u, nan and inf included
            return lambda x, y: 1.0
        if p == 2.0:

            def square(x, y):
                u = a(x, y)
                return u * u

            return square
        return lambda x, y: power(a(x, y), p)
    f, a = lib.functions[node.name], _value(node.arg, lib, fold)
    return lambda x, y: f(a(x, y))


def _constant(node: Node) -> float:
    """The value of a sub-tree without x or y (IEEE's answer where math would raise)."""
    try:
        return float(_value(node, _FLOATS, fold=False)(0.0, 0.0))
    except (ArithmeticError, ValueError):
        with np.errstate(all="ignore"):
            return float(_value(node, _ARRAYS, fold=False)(np.float64(0.0), np.float64(0.0)))


class _Compiled(NamedTuple):
    """The four evaluators of one formula."""

    float_dual: Callable
    array_dual: Callable
    float_value: Callable
    array_value: Callable


@functools.lru_cache(maxsize=512)
def _compiled(text: str, tree: Node) -> _Compiled:
    """Closures for a normalised formula and its tree, shared by every spelling of it (the
    text determines the tree; it is passed so the text need not be parsed again)."""
    return _Compiled(
        _dual(tree, _FLOATS), _dual(tree, _ARRAYS), _value(tree, _FLOATS), _value(tree, _ARRAYS)
    )


def _evaluator(compiled: _Compiled):
    """f(x, y) for Python numbers (fast) or arrays (broadcast), never raising or warning."""
    float_value, array_value = compiled.float_value, compiled.array_value

    def f(x, y):
        if type(x) in (float, int) and type(y) in (float, int):
            try:
                return float(float_value(float(x), float(y)))
            except (ArithmeticError, ValueError):
                x, y = np.float64(x), np.float64(y)
                with np.errstate(all="ignore"):
                    return float(array_value(x, y))
        # Evaluated on the shapes given (a row of x and a column of y cost 2·G, not G², for
        # each part of x or y alone) and broadcast once at the end.
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            out = array_value(x, y)
        if isinstance(out, np.ndarray) and out.shape == shape and out is not x and out is not y:
            return out  # a fresh array numpy made
        return np.broadcast_to(out, shape).astype(np.float64, copy=True)

    return f


def _dual_evaluator(compiled: _Compiled) -> Callable[[float, float], Dual]:
    """(x, y) -> (f, ∂f/∂x, ∂f/∂y) on Python floats, never raising or warning."""
    float_dual, array_dual = compiled.float_dual, compiled.array_dual

    def dual(x: float, y: float) -> Dual:
        try:
            v, gx, gy = float_dual(x, y)
            return float(v), float(gx), float(gy)
        except (ArithmeticError, ValueError):
            with np.errstate(all="ignore"):
                v, gx, gy = array_dual(np.float64(x), np.float64(y))
            return float(v), float(gx), float(gy)

    return dual


# --------------------------------------------------------------------------------------------
# Quadratics: constant Hessian and minimum
# --------------------------------------------------------------------------------------------

Polynomial = dict[tuple[int, int], float]  # (i, j) -> coefficient of x^i y^j


def _polynomial(node: Node) -> Polynomial | None:
    """The expansion of a sub-tree as a polynomial of degree ≤ 2, or None when it is not
    one (conservatively: a higher-degree term that would cancel later also gives None)."""
    if not _depends(node):
        c = _constant(node)
        return {(0, 0): c} if math.isfinite(c) else None
    if isinstance(node, Var):
        return {(1, 0) if node.index == 0 else (0, 1): 1.0}
    if isinstance(node, Neg):
        a = _polynomial(node.arg)
        return None if a is None else {k: -c for k, c in a.items()}
    if isinstance(node, Binary):
        a, b = _polynomial(node.left), _polynomial(node.right)
        if a is None or b is None:
            return None
        if node.op in "+-":
            sign = 1.0 if node.op == "+" else -1.0
            out = dict(a)
            for k, c in b.items():
                out[k] = out.get(k, 0.0) + sign * c
            return out
        if node.op == "*":
            return _multiply(a, b)
        if set(b) == {(0, 0)} and b[(0, 0)] != 0.0:  # division by a constant
            return {k: c / b[(0, 0)] for k, c in a.items()}
        return None
    if isinstance(node, Power) and node.p in (1.0, 2.0):
        a = _polynomial(node.base)
        return None if a is None else (a if node.p == 1.0 else _multiply(a, a))
    return None


def _multiply(a: Polynomial, b: Polynomial) -> Polynomial | None:
    out: Polynomial = {}
    for (i, j), c in a.items():
        for (k, m), d in b.items():
            if c == 0.0 or d == 0.0:
                continue
            if i + j + k + m > 2:
                return None
            out[(i + k, j + m)] = out.get((i + k, j + m), 0.0) + c * d
    return out


def _quadratic(tree: Node) -> tuple[Matrix | None, tuple[float, float] | None]:
    """Hessian H = [[2a, c], [c, 2b]] of f = a x² + b y² + c x y + d x + g y + h, and, when
    H is positive definite, the minimum −H⁻¹(d, g). No Hessian when its largest eigenvalue
    λmax is ≤ 0 (a linear or concave f): there is no stability limit 2/λmax to show."""
    poly = _polynomial(tree)
    if poly is None:
        return None, None
    h00, h01, h11 = 2.0 * poly.get((2, 0), 0.0), poly.get((1, 1), 0.0), 2.0 * poly.get((0, 2), 0.0)
    lam_max = 0.5 * (h00 + h11) + math.hypot(0.5 * (h00 - h11), h01)
    if not (all(math.isfinite(v) for v in poly.values()) and lam_max > 0.0):
        return None, None
    hessian = ((h00, h01), (h01, h11))
    det = h00 * h11 - h01 * h01
    if not (det > 0.0 and h00 > 0.0):
        return hessian, None
    d, g = poly.get((1, 0), 0.0), poly.get((0, 1), 0.0)
    # + 0.0 turns -0.0 into 0.0, so a minimum at the origin reads (0.0, 0.0).
    return hessian, ((h01 * g - h11 * d) / det + 0.0, (h01 * d - h00 * g) / det + 0.0)


# --------------------------------------------------------------------------------------------
# The TestFunction
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TypedFunction(TestFunction):
    """A `TestFunction` typed by a person; `text` is its normalised formula (for the URL).

    Value and gradient come from one forward-mode pass (the base class calls f and df)."""

    text: str = ""
    dual: Callable[[float, float], Dual] | None = field(default=None, repr=False)

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        x, y = params.tolist()
        v, gx, gy = self.dual(x, y)
        return v, np.array((gx, gy))


def _check_pair(value, what: str) -> tuple[float, float]:
    if isinstance(value, str | bytes):
        raise GdvizError(f"The {what} must be two numbers, not {value!r}.")
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise GdvizError(f"The {what} must be two numbers, not {value!r}.") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise GdvizError(f"The {what} must be two finite numbers, not {value!r}.")
    return a, b


def _check_window(window) -> Window:
    try:
        xs, ys = window
    except (TypeError, ValueError):
        raise GdvizError(f"The window must be two ranges (x and y), not {window!r}.") from None
    x_range, y_range = _check_pair(xs, "x range"), _check_pair(ys, "y range")
    for name, (lo, hi) in (("x", x_range), ("y", y_range)):
        if not lo < hi:
            raise GdvizError(f"The {name} range must go from low to high, not {lo:g} to {hi:g}.")
    return x_range, y_range


def parse_function(
    text: str,
    *,
    window: Window | None = None,
    start: tuple[float, float] | None = None,
) -> TypedFunction:
    """A TestFunction for the typed formula f(x, y), with an exact gradient.

    Args:
        text: the formula, e.g. "x**2 + 3*y**2" (grammar in the module docstring).
        window: ((x_lo, x_hi), (y_lo, y_hi)) to show; default ((-3, 3), (-3, 3)).
        start: where descent starts; default (2.5, -1.0).

    Returns a `TypedFunction` named "custom" whose `formula` is the printed form (x² + 3·y²),
    `text` the normalised one, `hessian` set for quadratics and `minima` for positive-definite
    ones (else ()). Raises GdvizError naming what is not allowed and where.
    """
    expression = parse_expression(text)
    compiled = _compiled(expression.text, expression.tree)
    f, dual = _evaluator(compiled), _dual_evaluator(compiled)
    return TypedFunction(
        name=CUSTOM_NAME,
        formula=expression.formula,
        f=f,
        df=lambda x, y: dual(x, y)[1:],
        minima=() if expression.minimum is None else (expression.minimum,),
        window=DEFAULT_WINDOW if window is None else _check_window(window),
        start=DEFAULT_START if start is None else _check_pair(start, "start point"),
        description=f"Your function f(x, y) = {expression.formula}.",
        hessian=expression.hessian,
        text=expression.text,
        dual=dual,
    )


def function_from_text(text: str, **options) -> TestFunction:
    """A built-in function by name ('valley', with its options) or else a typed formula
    (options: window, start): one entry point for the command line and the URL."""
    name = text.strip() if isinstance(text, str) else text
    if name in TEST_FUNCTIONS:
        return test_function(name, **options)
    if isinstance(name, str) and name.isidentifier() and name not in (*VARIABLES, *CONSTANTS):
        # A bare word is a mistyped name more often than a formula.
        raise GdvizError(
            f"Unknown function {name!r}: choose one of {', '.join(TEST_FUNCTIONS)}, or type a "
            "formula in x and y such as x**2 + 3*y**2."
        )
    return parse_function(text, **options)
