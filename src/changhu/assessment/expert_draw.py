"""The random draw of confirming experts, as a pure function of its inputs (no Django).

Who may be drawn (the recusal rules) is decided before, from the database; this module only
orders the eligible experts and takes the first ones. Fewer draws in the workload window come
first, and among experts with the same workload the order is random: each expert's place is the
SHA-256 of the seed and their pool number. The same seed and the same eligible experts with the
same workloads therefore always give the same experts, on any machine and in any Python: a
recorded draw can be re-computed from its record and checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

ALGORITHM = "least-load-sha256-v1"


@dataclass(frozen=True)
class Candidate:
    expert_id: int  # the pool entry
    load: int  # draws in the workload window


def lot(seed: str, expert_id: int) -> str:
    """The expert's random place among equals for this seed."""
    return hashlib.sha256(f"{seed}:{expert_id}".encode()).hexdigest()


def draw(seed: str, candidates: Iterable[Candidate], count: int) -> list[int]:
    """The pool numbers of the ``count`` experts drawn (fewer if there are not enough), in the
    order drawn: least workload first, the seeded lot among equals."""
    if count <= 0:
        return []
    ordered = sorted(candidates, key=lambda c: (c.load, lot(seed, c.expert_id), c.expert_id))
    return [c.expert_id for c in ordered[:count]]
