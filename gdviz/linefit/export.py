"""Take a line-fit run away from gdviz: its trajectory as CSV, or a numpy script that redoes it.

`trajectory_csv` writes every step of a `LineFitRun` (floats by `repr`, so they read back
exactly). `numpy_script` writes a short standalone Python program, numpy only (pandas to read a
CSV), that repeats the same run step by step: the same points, loss, gradient, optimizer rule,
mini-batches and divergence rule, with every line explained. Only the code this run needs is
written; the choices are made here, not in the script.

The script agrees with gdviz to rounding: gdviz sums the squared losses through centred
sufficient statistics, the script point by point, as the teaching material does.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import PurePath

from gdviz.data import Points, load_csv
from gdviz.engine import EXPLOSION_FACTOR
from gdviz.errors import GdvizError
from gdviz.linefit.run import LineFitRun
from gdviz.linefit.settings import GENERATE, UPLOAD, LineFitSettings
from gdviz.literals import exact, short, string
from gdviz.losses import QUADRATIC_LOSSES, Loss, loss_record
from gdviz.optimizers import OPTIMIZERS, ScriptRule, optimizer_spec
from gdviz.samples import SAMPLES

__all__ = [
    "DATA_KINDS",
    "EMBED_LIMIT",
    "DataSource",
    "data_csv",
    "numpy_script",
    "trajectory_columns",
    "trajectory_csv",
]

DATA_KINDS = ("sample", "generate", "upload")
_COLUMN = re.compile(r"column ([1-9][0-9]*)")  # gdviz's name for a column of a headerless file


# --------------------------------------------------------------------------------------------
# Trajectory as CSV
# --------------------------------------------------------------------------------------------


def trajectory_columns(standardized: bool) -> tuple[str, ...]:
    """The header of `trajectory_csv`: with x standardised, the descent's own (m_z, b_z) too."""
    if standardized:
        return ("step", "m", "b", "m_z", "b_z", "loss", "grad_m_z", "grad_b_z", "grad_norm")
    return ("step", "m", "b", "loss", "grad_m", "grad_b", "grad_norm")


def trajectory_csv(run: LineFitRun) -> str:
    """Every step of `run` as plain CSV text, one row per step from 0 (the start).

    Columns: step, m, b (the line in the units of x), loss, grad_m, grad_b, grad_norm (the
    full-data gradient and its length). With x standardised the descent ran on (m_z, b_z):
    those follow b, and the gradient columns are grad_m_z, grad_b_z (the units it ran in).
    Floats are written by `repr`, so reading them back gives the same numbers exactly.
    """
    t = run.trajectory
    scaled = run.scaling is not None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(trajectory_columns(scaled))
    for i in range(t.steps + 1):
        m, b = run.lines[i]
        descent = tuple(t.params[i]) if scaled else ()
        values = (m, b, *descent, t.loss[i], t.grad[i][0], t.grad[i][1], t.grad_norm[i])
        writer.writerow((i, *(repr(float(v)) for v in values)))
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Where the points come from
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSource:
    """Where a run's points come from, as the script must get them again.

    * ``sample``: `filename` (a CSV of gdviz's data/ folder) with columns `x` and `y`;
    * ``upload``: the person's own `filename`, with columns `x` and `y`; the script reads it
      from its own folder;
    * ``generate``: `generate_points(n, slope, intercept, noise, x_min, x_max, seed, outliers)`,
      which the script redraws bit for bit.

    `n` is the number of points (needed for a generated set; for a file it only decides
    whether a batch size is below N, and is read from the file when missing for a sample).
    An upload is read with pandas (delimiter sniffed, rows missing x or y dropped); gdviz's own
    reader is more forgiving (encodings, blank lines, text cells), so a messy file may need
    tidying for the script.
    """

    kind: str
    filename: str = ""
    x: str = "x"
    y: str = "y"
    n: int | None = None
    slope: float = 2.0
    intercept: float = 1.0
    noise: float = 1.0
    x_min: float = 0.0
    x_max: float = 10.0
    seed: int = 0
    outliers: float = 0.0
    header: bool = True  # an uploaded file without a header names its columns "column 1", ...

    def __post_init__(self) -> None:
        if self.kind not in DATA_KINDS:
            raise GdvizError(f"Unknown data kind {self.kind!r}; use one of {DATA_KINDS}.")
        if self.kind == "generate" and self.n is None:
            raise GdvizError("Generated points need their number n.")
        if self.kind != "generate" and not PurePath(self.filename).name:
            raise GdvizError("A file of points needs its file name.")
        if not self.header and not (_COLUMN.fullmatch(self.x) and _COLUMN.fullmatch(self.y)):
            raise GdvizError('Without a header, x and y must be named "column 1", "column 2", ...')

    @classmethod
    def sample(cls, name: str, n: int | None = None) -> DataSource:
        """The sample dataset `name` of gdviz.samples.SAMPLES."""
        try:
            s = SAMPLES[name]
        except KeyError:
            raise GdvizError(f"There is no sample called {name!r}.") from None
        return cls("sample", s.filename, s.x, s.y, n)

    @classmethod
    def generated(cls, settings: LineFitSettings, outliers: float = 0.0) -> DataSource:
        """The points the generator makes from `settings` (n, slope, ..., seed)."""
        s = settings
        return cls(
            "generate",
            n=s.n,
            slope=s.slope,
            intercept=s.intercept,
            noise=s.noise,
            x_min=s.x_min,
            x_max=s.x_max,
            seed=s.seed,
            outliers=outliers,
        )

    @classmethod
    def uploaded(
        cls, filename: str, x: str, y: str, n: int | None = None, header: bool | None = None
    ) -> DataSource:
        """A file the person uploaded, with the columns chosen for x and y.

        `header` defaults to False only when both names are gdviz's "column <k>" names.
        """
        if header is None:
            header = not (_COLUMN.fullmatch(x) and _COLUMN.fullmatch(y))
        return cls("upload", filename, x, y, n, header=header)

    @classmethod
    def for_run(
        cls, settings: LineFitSettings, points: Points, filename: str | None = None
    ) -> DataSource:
        """The source of `points` as the page got them: `filename` is the uploaded file's."""
        if settings.dataset == GENERATE:
            return cls.generated(settings)
        if settings.dataset == UPLOAD:
            return cls.uploaded(filename or "data.csv", points.x_name, points.y_name, points.n)
        return cls.sample(settings.dataset, points.n)

    def count(self) -> int | None:
        """The number of points, reading a sample's file when it was not given."""
        if self.n is None and self.kind == "sample":
            s = next((s for s in SAMPLES.values() if s.filename == self.filename), None)
            return None if s is None else load_csv(s.path, x=self.x, y=self.y).n
        return self.n


# --------------------------------------------------------------------------------------------
# The script
# --------------------------------------------------------------------------------------------


EMBED_LIMIT = 10_000  # points a script carries itself; beyond, it reads them from a CSV
_PER_LINE = 6


def _embedded_lines(points: Points, source: DataSource) -> list[str]:
    """Lines that set x and y to the very floats gdviz used (repr reads back exactly)."""
    name = PurePath(source.filename).name
    out = [
        f"# The points, as gdviz read them from {name!r} ({source.x} against {source.y}).",
    ]
    for var, values in (("x", points.x), ("y", points.y)):
        out.append(f"{var} = np.array([")
        floats = [repr(float(v)) for v in values]
        for i in range(0, len(floats), _PER_LINE):
            out.append("    " + ", ".join(floats[i : i + _PER_LINE]) + ",")
        out.append("])")
    return [*out, "N = len(x)"]


def data_csv(points: Points, source: DataSource) -> str:
    """The points as the CSV the script reads when they are too many to embed: the file name
    and the column names it expects (`source`), floats by repr."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if source.header:
        writer.writerow((source.x, source.y))
    for x, y in zip(points.x.tolist(), points.y.tolist(), strict=True):
        writer.writerow((repr(x), repr(y)))
    return out.getvalue()


def _data_lines(source: DataSource) -> list[str]:
    """Lines that set x and y (and N) exactly as gdviz had them."""
    if source.kind == "generate":
        return _generated_lines(source)
    name = PurePath(source.filename).name
    if source.kind == "sample":
        return [
            f"# The points: gdviz's sample file {name!r}, which must sit beside this script.",
            f"data = pd.read_csv({string(name)})",
            f"x = data[{string(source.x)}].to_numpy(dtype=float)",
            f"y = data[{string(source.y)}].to_numpy(dtype=float)",
            "N = len(x)",
        ]
    if source.header:
        x, y = string(source.x), string(source.y)
        where = [f"# The points: your file {name!r}; put it in the same folder as this script."]
        no_header = []
    else:
        x, y = (str(int(_COLUMN.fullmatch(c).group(1)) - 1) for c in (source.x, source.y))
        where = [
            f"# The points: your file {name!r}, which has no header row;",
            "# put it in the same folder as this script.",
        ]
        no_header = ["    header=None,  # no header: columns are numbered from 0"]
    return [
        *where,
        "data = pd.read_csv(",
        f"    {string(name)},",
        "    sep=None,  # sniff the delimiter (, ; or tab), as gdviz does",
        '    engine="python",',
        "    skipinitialspace=True,",
        *no_header,
        ")",
        "# gdviz skips rows where x or y is missing, too.",
        f"data = data[[{x}, {y}]].dropna()",
        f"x = data[{x}].to_numpy(dtype=float)",
        f"y = data[{y}].to_numpy(dtype=float)",
        "N = len(x)",
    ]


def _generated_lines(s: DataSource) -> list[str]:
    lines = [
        "# The points: drawn again exactly as gdviz drew them (same generator, same order).",
        f"rng = np.random.default_rng({int(s.seed)})",
        f"x = rng.uniform({exact(s.x_min)}, {exact(s.x_max)}, {s.n})"
        "  # x_i ~ Uniform(x_min, x_max)",
        f"e = rng.standard_normal({s.n})  # e_i ~ N(0, 1)",
        f"y = {exact(s.slope)} * x + {exact(s.intercept)} + {exact(s.noise)} * e"
        "  # y = slope·x + intercept + noise·e",
    ]
    n_out = math.floor(s.outliers * s.n + 0.5)
    if n_out:
        shift = 10.0 * s.noise + 5.0 * abs(s.slope) * (s.x_max - s.x_min)
        lines += [
            f"# Outliers: {n_out} points chosen at random moved up or down by "
            f"{exact(shift or 1.0)}.",
            f"chosen = rng.choice({s.n}, size={n_out}, replace=False)",
            f"signs = rng.choice(np.array([-1.0, 1.0]), size={n_out})",
            f"y[chosen] += signs * {exact(shift or 1.0)}",
        ]
    return [*lines, "N = len(x)"]


def _batch_size(settings: LineFitSettings, source: DataSource) -> int | None:
    """The mini-batch size, or None when every step uses all points (as gdviz decides)."""
    if settings.batch <= 0:
        return None
    n = source.count()
    if n is None:
        raise GdvizError("With mini-batches the script needs the number of points.")
    return settings.batch if settings.batch < n else None


def _header(settings: LineFitSettings, source: DataSource, batch: int | None) -> list[str]:
    title = OPTIMIZERS[settings.optimizer].title
    data = {"sample": "a gdviz sample file", "upload": "your own file", "generate": "generated"}
    how = f"mini-batches of {batch}" if batch else "all points each step"
    scaled = ", x standardised" if settings.scale else ""
    if settings.loss in QUADRATIC_LOSSES:
        agree = [
            "It prints the final line and loss: gdviz's numbers to rounding (gdviz adds up the",
            "squared errors in another order; an optimizer that never settles can amplify that).",
        ]
    else:
        agree = ["It prints the final line and loss: the same numbers as gdviz, to the last digit."]
    return [
        '"""Fit a line y = m*x + b by gradient descent: one gdviz run, redone with numpy.',
        "",
        f"LineFitSettings: {title}, {settings.loss} loss, learning rate {exact(settings.lr)}, "
        f"{settings.steps} steps,",
        f"{how}{scaled}; points: {data[source.kind]}. Run it with `python <this file>`.",
        *agree,
        '"""',
        "",
    ]


def numpy_script(
    settings: LineFitSettings, data_source: DataSource, points: Points | None = None
) -> str:
    """A standalone Python script (numpy; pandas to read a CSV) that redoes this line-fit run.

    Only the code the run needs is written: its loss, its optimizer's rule (as a comment and
    as code, in torch's form as in gdviz.optimizers), full batch or mini-batches (a fresh
    `default_rng(seed)` permutation each epoch, consecutive chunks), and standardised x when
    `settings.scale`. It runs `settings.steps` updates, stopping early with a printed line when
    the loss overflows or grows past 1e6 × max(|start loss|, 1), as gdviz does. It ends by
    printing lines starting "steps = ", "m = ", "b = ", "loss = ", "points = " and
    "checksum = " (sum of x·1.0001 + y, to check the points are the same).

    Given the `points` of a file (a sample or an upload) of at most EMBED_LIMIT points, the
    script carries them itself (exact floats) and runs anywhere; larger ones are read from
    the file the script names, which `data_csv` writes.

    Raises:
        GdvizError: an unknown optimizer or loss, or mini-batches from a file of unknown size.
    """
    spec = optimizer_spec(settings.optimizer)
    batch = _batch_size(settings, data_source)
    rule = spec.script(settings.hyperparameters())
    embed = points is not None and data_source.kind != "generate" and points.n <= EMBED_LIMIT
    lines = _header(settings, data_source, batch)
    lines.append("import numpy as np")
    if data_source.kind != "generate" and not embed:
        lines.append("import pandas as pd")
    data = _embedded_lines(points, data_source) if embed else _data_lines(data_source)
    lines += ["", *data, ""]
    lines += _constant_lines(settings, batch, rule)
    lines += _loss_and_gradient_lines(loss_record(settings.loss))
    lines += _loop_lines(settings, batch, rule)
    lines += _result_lines(settings)
    return "\n".join(lines) + "\n"


def _constant_lines(settings: LineFitSettings, batch: int | None, rule: ScriptRule) -> list[str]:
    """The run's settings as constants, and standardised x where the run used it."""
    lines = [
        "# The settings of the run.",
        f"LR = {exact(settings.lr)}  # the learning rate γ",
        f"STEPS = {settings.steps}  # the number of updates",
        f"M0, B0 = {exact(settings.m0)}, {exact(settings.b0)}  # the starting line",
    ]
    if loss_record(settings.loss).uses_delta:
        delta = exact(settings.delta)
        lines.append(f"DELTA = {delta}  # δ: where the loss turns from r²/2 to linear")
    if batch:
        lines.append(f"BATCH = {batch}  # points per mini-batch")
    lines += [*rule.constants, ""]
    if settings.scale:
        lines += [
            "# Standardise x: z = (x - mean)/std (population std) makes the loss bowl rounder.",
            "# The descent runs on the line y = m_z·z + b_z; it is mapped back to x at the end.",
            "mean = x.mean()",
            "std = np.sqrt(np.mean((x - mean) ** 2))",
            "z = (x - mean) / std",
            "",
        ]
    return lines


def _loss_and_gradient_lines(loss_rule: Loss) -> list[str]:
    """`loss(theta, x, y)` and `gradient(theta, x, y)` of the run's loss, point by point."""
    psi = loss_rule.script_psi
    scale = "-N * " if loss_rule.summed else "-"
    return [
        "",
        "def loss(theta, x, y):",
        f'    """{loss_rule.formula}"""',
        "    m, b = theta",
        "    r = y - (m * x + b)",
        *(f"    {line}" for line in loss_rule.script_value),
        "",
        "",
        "def gradient(theta, x, y):",
        f'    """∂L/∂m and ∂L/∂b over the points given, with {psi[1]}:',
        f"    ∂L/∂m = {scale}mean(ψ(r)·x),  ∂L/∂b = {scale}mean(ψ(r)).",
        '    """',
        "    m, b = theta",
        "    r = y - (m * x + b)",
        f"    psi = {psi[0]}",
        f"    return np.array([{scale}np.mean(psi * x), {scale}np.mean(psi)])",
        "",
        "",
        'np.seterr(all="ignore")  # a diverging run overflows: that is caught below',
    ]


def _loop_lines(settings: LineFitSettings, batch: int | None, rule: ScriptRule) -> list[str]:
    """The start, the optimizer's state, and the loop: batches, the update, the stop rules."""
    x_run = "z" if settings.scale else "x"
    if settings.scale:
        lines = ["theta = np.array([M0 * std, B0 + M0 * mean])  # the start, in z units"]
    else:
        lines = ["theta = np.array([M0, B0])  # the parameters (m, b)"]
    lines += [
        *rule.state,
        f"current = loss(theta, {x_run}, y)",
        f"LIMIT = {short(EXPLOSION_FACTOR)} * max(abs(current), 1.0)  # past this, it has diverged",
        "steps_taken = 0",
    ]
    if batch:
        lines += [
            f"rng = np.random.default_rng({int(settings.seed)})  # the batches' own generator",
            "batches_per_epoch = (N + BATCH - 1) // BATCH  # the last batch may be smaller",
        ]
    lines += ["", "for step in range(1, STEPS + 1):"]
    if settings.tol > 0:
        lines += [
            f"    full = gradient(theta, {x_run}, y)  # the full gradient at the current step",
            f"    if np.hypot(*full) <= {short(settings.tol)}:  # the tolerance: converged",
            '        print(f"Converged at step {step - 1}.")',
            "        break",
        ]
    if batch:
        lines += [
            "    k = (step - 1) % batches_per_epoch",
            "    if k == 0:",
            "        order = rng.permutation(N)  # a new epoch: the points in a fresh random order",
            "    batch = order[k * BATCH : (k + 1) * BATCH]  # the next chunk of that order",
            f"    grad = gradient(theta, {x_run}[batch], y[batch])  # a mini-batch estimate",
        ]
    else:
        lines.append(f"    grad = gradient(theta, {x_run}, y)  # over all points")
    return [
        *lines,
        "    previous = theta, current  # kept in case this step overflows",
        *(f"    # {m}" for m in rule.maths),
        *(f"    {u}" for u in rule.update),
        f"    current = loss(theta, {x_run}, y)  # always over all points",
        "    if not np.isfinite(current):",
        "        theta, current = previous",
        '        print(f"Diverged at step {step}: the loss overflowed; kept step {step - 1}.")',
        "        break",
        "    steps_taken = step",
        "    if abs(current) > LIMIT:",
        '        print(f"Diverged at step {step}: the loss grew to {current:.3g}, over '
        f'{short(EXPLOSION_FACTOR)} times its start.")',
        "        break",
        "",
    ]


def _result_lines(settings: LineFitSettings) -> list[str]:
    """The final line in the units of x, and the lines the tests (and a person) check."""
    if settings.scale:
        lines = ["m, b = theta[0] / std, theta[1] - theta[0] * mean / std  # back to x units"]
    else:
        lines = ["m, b = theta"]
    return [
        *lines,
        'print("steps =", steps_taken)',
        'print("m =", float(m))',
        'print("b =", float(b))',
        'print("loss =", float(current))',
        'print("points =", N)',
        'print("checksum =", float(np.sum(x * 1.0001 + y)))',
    ]
