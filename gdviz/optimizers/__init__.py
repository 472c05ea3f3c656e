"""Optimizers as pure (init, update) pairs following torch.optim, and their registry.

`rules` holds the update rules (factories and immutable states), `scripts` the same rules as
lines of a NumPy script, `registry` one `OptimizerSpec` row per optimizer with everything the
pages, the command line and the tests need.
"""

from gdviz.optimizers.registry import (
    OPTIMIZERS,
    Hyperparameter,
    OptimizerSpec,
    Style,
    all_hyperparameters,
    optimizer_spec,
)
from gdviz.optimizers.rules import (
    AdagradState,
    AdamState,
    Optimizer,
    RMSpropState,
    SGDState,
    adagrad,
    adam,
    momentum,
    nesterov,
    rmsprop,
    sgd,
)
from gdviz.optimizers.scripts import ScriptRule

__all__ = [
    "OPTIMIZERS",
    "AdagradState",
    "AdamState",
    "Hyperparameter",
    "Optimizer",
    "OptimizerSpec",
    "RMSpropState",
    "SGDState",
    "ScriptRule",
    "Style",
    "adagrad",
    "adam",
    "all_hyperparameters",
    "momentum",
    "nesterov",
    "optimizer_spec",
    "rmsprop",
    "sgd",
]
