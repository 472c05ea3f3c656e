"""The animation's timeline: which steps get a frame, and the frame nearest to any step.

Every animated view (the line fit, the comparison, the player) uses one `Timeline`, so a step
read from a link or handed back by the browser lands on the same frame everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_FRAMES = 200


def frame_steps(last: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """At most `max_frames` step indices from 0 to `last`, geometrically spaced.

    Descent moves fastest early, so the early steps get most frames: steps ≈ (last+1)^t − 1 for
    t evenly spaced. 0 and `last` are always among them.
    """
    if last + 1 <= max_frames:
        return np.arange(last + 1)
    must = [0, last]
    budget = max_frames - len(must)
    count = budget
    while True:  # rounding merges early steps: ask for more until the budget is filled
        geo = np.unique(np.round(np.geomspace(1, last + 1, count)).astype(int) - 1)
        geo = geo[~np.isin(geo, must)]
        if geo.size >= budget:
            break
        count += budget - geo.size
    picked = geo[np.round(np.linspace(0, geo.size - 1, budget)).astype(int)]
    return np.union1d(picked, must)


@dataclass(frozen=True, eq=False)
class Timeline:
    """The steps that get a frame (read-only, increasing, from 0 to the last step)."""

    steps: np.ndarray

    @classmethod
    def of(cls, last: int, max_frames: int = MAX_FRAMES) -> Timeline:
        steps = frame_steps(last, max_frames)
        steps.setflags(write=False)
        return cls(steps)

    @property
    def last(self) -> int:
        return int(self.steps[-1])

    @property
    def is_every_step(self) -> bool:
        return self.steps.size == self.last + 1

    def snap(self, step: int) -> int:
        """The frame step nearest to `step` (ties go to the earlier frame)."""
        steps = self.steps
        i = int(np.clip(np.searchsorted(steps, step), 0, steps.size - 1))
        if i > 0 and step - steps[i - 1] <= steps[i] - step:
            i -= 1
        return int(steps[i])

    def index(self, step: int) -> int:
        """The frame index of the frame nearest to `step`."""
        return int(np.searchsorted(self.steps, self.snap(step)))
