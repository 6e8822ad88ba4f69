"""Weighted random sampling without replacement, reproducible from a seed (no Django).

Efraimidis and Spirakis' method: each candidate draws ``u ** (1 / weight)`` from one generator
seeded with the task's seed, in the order of the candidates' ids, and the largest keys win. A
candidate of weight 4 is about four times as likely to be drawn as one of weight 1, and the same
seed over the same candidates and weights draws the same sample in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable


def weighted_sample(candidates: Iterable[tuple[int, float]], k: int, seed: int) -> list[int]:
    """The ids of ``k`` candidates (id, weight > 0) drawn by weight, most favoured first."""
    rng = random.Random(seed)
    keyed = []
    for key, weight in sorted(candidates):
        if weight <= 0:
            raise ValueError(f"weight of {key} must be positive, got {weight}")
        keyed.append((rng.random() ** (1.0 / weight), key))
    keyed.sort(reverse=True)
    return [key for _, key in keyed[: max(k, 0)]]
