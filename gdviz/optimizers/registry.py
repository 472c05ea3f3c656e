"""One row per optimizer: everything the pages, the command line, the script export and the
tests need to know about it.

Adding an optimizer is one factory and one state class (`gdviz.optimizers.rules`), one script
rule (`gdviz.optimizers.scripts`), one `OptimizerSpec` row here and one row in the tests'
variant table; `tests/test_optimizers.py` fails when a row is incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from gdviz.errors import GdvizError
from gdviz.optimizers import scripts
from gdviz.optimizers.rules import Optimizer, adagrad, adam, momentum, nesterov, rmsprop, sgd
from gdviz.optimizers.scripts import ScriptRule

# How the learning rate's stability limit on a quadratic is known (gdviz.analysis):
# "gd" 2/λmax; "heavy_ball" 2(1 + μ)/λmax; "nesterov" 2(1 + μ)/((1 + 2μ)λmax); None for the
# adaptive rules, whose step is not γ·∇f and which scale their own steps.
StabilityRule = Literal["gd", "heavy_ball", "nesterov"] | None


@dataclass(frozen=True)
class Hyperparameter:
    """One tunable option of an optimizer, with the range a control may offer.

    `name` is torch.optim's keyword; the command line's flag is derived from it
    (`--lr-decay` for lr_decay), a switch for an on/off option.
    """

    name: str
    default: float | bool
    low: float = 0.0
    high: float = 1.0
    help: str = ""
    symbol: str = ""  # the letter in the maths (μ, β₁), which the CLI shows as its metavar

    @property
    def is_flag(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def cli_flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Style:
    """How a curve of this optimizer is drawn: never told apart by colour alone."""

    color: str  # Okabe–Ito
    dash: str  # Plotly dash
    marker: str  # Plotly marker symbol


@dataclass(frozen=True)
class OptimizerSpec:
    """A registered optimizer: its rule, its words, its drawing and its suggested rates.

    `learning_rates` holds a rate that suits each 2-D test function (chosen by sweeping the
    1-2-5 rates from 1e-5 to 5 over 300 steps from the function's start: close to the minimum
    within that budget, not the largest that does not diverge); `bowl_lr(κ)` gives the bowl's.
    `torch_class` and `torch_options` say which torch.optim class implements the same rule and
    how our hyperparameters map onto its keywords (the oracle the tests compare against).
    """

    name: str
    title: str
    factory: Callable[..., Optimizer]
    default_lr: float
    hyperparameters: tuple[Hyperparameter, ...]
    summary: str
    style: Style
    stability: StabilityRule
    script: Callable[[dict], ScriptRule]
    learning_rates: Mapping[str, float]
    bowl_lr: Callable[[float], float]
    torch_class: str
    torch_options: Callable[[dict], dict] = field(default=lambda h: dict(h))

    @property
    def adaptive(self) -> bool:
        """Scales its own steps (no stability limit γ < c/λmax)."""
        return self.stability is None

    def build(self, lr: float | None = None, **hyper) -> Optimizer:
        """The optimizer with `lr` (default: this spec's) and the given hyperparameters."""
        known = {h.name for h in self.hyperparameters}
        unknown = sorted(set(hyper) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise GdvizError(
                f"{self.title} has no option {', '.join(unknown)}; its options are: {allowed}."
            )
        return self.factory(self.default_lr if lr is None else lr, **hyper)

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise KeyError(name)

    def defaults(self) -> dict[str, float | bool]:
        return {h.name: h.default for h in self.hyperparameters}

    def lr_for(self, function: str, kappa: float = 10.0) -> float:
        """A learning rate that suits this optimizer on the 2-D function `function`."""
        if function == "bowl":
            return self.bowl_lr(kappa)
        return self.learning_rates.get(function, self.default_lr)


def _half_gd_limit(kappa: float) -> float:
    """0.5/max(κ, 1), two significant digits: half plain gradient descent's limit 2/λmax = 1/κ
    on x² + κy², so the rate stays stable whatever κ is."""
    return float(f"{0.5 / max(kappa, 1.0):.2g}")


def _constant(lr: float) -> Callable[[float], float]:
    return lambda kappa: lr


def _adam_torch(h: dict) -> dict:
    """torch.optim.Adam takes β₁ and β₂ as one `betas` pair."""
    rest = {k: v for k, v in h.items() if k not in ("beta1", "beta2")}
    return rest | {"betas": (h.get("beta1", 0.9), h.get("beta2", 0.999))}


_MOMENTUM = Hyperparameter("momentum", 0.9, 0.0, 0.999, "μ: how much of the last step to keep", "μ")
_EPS_HELP = "ε: keeps the division finite when the running average is 0"

OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec(
            "gd",
            "Gradient descent",
            sgd,
            1e-3,
            (),
            "θ ← θ − γ·∇f(θ): step downhill, in proportion to the slope.",
            Style("#0072B2", "solid", "circle"),
            "gd",
            scripts.gd_script,
            {"valley": 0.2, "rosenbrock": 0.002, "himmelblau": 0.01, "beale": 0.02}
            | {"saddle": 0.01, "booth": 0.05, "matyas": 1.0},
            _half_gd_limit,
            "SGD",
        ),
        OptimizerSpec(
            "momentum",
            "Momentum",
            momentum,
            1e-3,
            (
                _MOMENTUM,
                Hyperparameter("dampening", 0.0, 0.0, 1.0, "τ: damp the new gradient", "τ"),
            ),
            "b ← μ·b + (1 − τ)·g;  θ ← θ − γ·b: a heavy ball that keeps rolling.",
            Style("#E69F00", "dash", "square"),
            "heavy_ball",
            scripts.momentum_script,
            {"valley": 0.02, "rosenbrock": 0.001, "himmelblau": 0.002, "beale": 0.002}
            | {"saddle": 0.001, "booth": 0.01, "matyas": 0.1},
            _half_gd_limit,
            "SGD",
        ),
        OptimizerSpec(
            "nesterov",
            "Nesterov momentum",
            nesterov,
            1e-3,
            # Nesterov needs μ > 0 (torch rejects μ = 0), so its control starts above 0.
            (Hyperparameter("momentum", 0.9, 0.01, 0.999, _MOMENTUM.help, "μ"),),
            "b ← μ·b + g;  θ ← θ − γ·(g + μ·b): momentum that looks ahead.",
            Style("#CC79A7", "dot", "diamond"),
            "nesterov",
            scripts.nesterov_script,
            {"valley": 0.05, "rosenbrock": 0.001, "himmelblau": 0.005, "beale": 0.002}
            | {"saddle": 0.001, "booth": 0.02, "matyas": 0.2},
            _half_gd_limit,
            "SGD",
            lambda h: {**h, "nesterov": True},
        ),
        OptimizerSpec(
            "adagrad",
            "Adagrad",
            adagrad,
            1e-2,
            (
                Hyperparameter("lr_decay", 0.0, 0.0, 1.0, "η: shrink γ as 1/(1 + (t−1)η)", "η"),
                Hyperparameter("eps", 1e-10, 0.0, 1.0, _EPS_HELP, "ε"),
            ),
            "s ← s + g²;  θ ← θ − γ·g/(√s + ε): each parameter's steps shrink with its history.",
            Style("#56B4E9", "dashdot", "triangle-up"),
            None,
            scripts.adagrad_script,
            {"valley": 0.5, "rosenbrock": 2.0, "himmelblau": 1.0, "beale": 1.0}
            | {"saddle": 0.1, "booth": 5.0, "matyas": 5.0},
            _constant(1.0),
            "Adagrad",
        ),
        OptimizerSpec(
            "rmsprop",
            "RMSprop",
            rmsprop,
            1e-2,
            (
                Hyperparameter(
                    "alpha", 0.99, 0.0, 1.0, "α: smoothing of the squared gradients", "α"
                ),
                Hyperparameter("eps", 1e-8, 0.0, 1.0, _EPS_HELP, "ε"),
                Hyperparameter("momentum", 0.0, 0.0, 0.999, "μ: momentum on the scaled step", "μ"),
                Hyperparameter("centered", False, help="subtract the mean gradient's square"),
            ),
            "v ← α·v + (1 − α)·g²;  θ ← θ − γ·g/(√v + ε): steps scaled by recent gradient size.",
            Style("#009E73", "longdash", "x"),
            None,
            scripts.rmsprop_script,
            {"valley": 0.05, "rosenbrock": 0.1, "himmelblau": 0.05, "beale": 0.05}
            | {"saddle": 0.01, "booth": 0.5, "matyas": 0.5},
            _constant(0.1),
            "RMSprop",
        ),
        OptimizerSpec(
            "adam",
            "Adam",
            adam,
            1e-3,
            (
                Hyperparameter("beta1", 0.9, 0.0, 0.999, "β₁: smoothing of the gradient", "β₁"),
                Hyperparameter("beta2", 0.999, 0.0, 0.99999, "β₂: smoothing of its square", "β₂"),
                Hyperparameter("eps", 1e-8, 0.0, 1.0, _EPS_HELP, "ε"),
                Hyperparameter("amsgrad", False, help="use the largest v̂ seen so far"),
            ),
            "m̂, v̂: bias-corrected averages of g and g²;  θ ← θ − γ·m̂/(√v̂ + ε).",
            Style("#D55E00", "longdashdot", "star"),
            None,
            scripts.adam_script,
            {"valley": 0.1, "rosenbrock": 0.5, "himmelblau": 0.1, "beale": 0.1}
            | {"saddle": 0.01, "booth": 0.5, "matyas": 1.0},
            _constant(0.1),
            "Adam",
            _adam_torch,
        ),
    )
}


def optimizer_spec(name: str) -> OptimizerSpec:
    """The registered optimizer `name`, or a GdvizError listing the choices."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        choices = ", ".join(OPTIMIZERS)
        raise GdvizError(f"Unknown optimizer {name!r}; choose one of {choices}.") from None


def all_hyperparameters() -> dict[str, Hyperparameter]:
    """Every hyperparameter name any optimizer has (the first row's wording), in row order."""
    out: dict[str, Hyperparameter] = {}
    for spec in OPTIMIZERS.values():
        for h in spec.hyperparameters:
            out.setdefault(h.name, h)
    return out
