"""Giving generated entities their CRM ids: rows are numbered in creation order, as CRMs allocate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class IdMap:
    members: np.ndarray  # entity index of each table row, in row (creation) order
    rank_of: np.ndarray  # entity index -> row number, -1 when the entity has no row
    ids: pa.Array  # row number -> id

    @classmethod
    def by_creation(
        cls, present: np.ndarray, created_ms: np.ndarray, make_ids: Callable[[np.ndarray], pa.Array]
    ) -> IdMap:
        """Rows for the entities where `present`, ordered by creation time (ties by entity index);
        `make_ids` turns row numbers 0..n-1 into ids."""
        members = np.flatnonzero(present)
        members = members[np.argsort(created_ms[members], kind="stable")]
        rank_of = np.full(len(present), -1, dtype=np.int64)
        rank_of[members] = np.arange(len(members))
        return cls(members, rank_of, make_ids(np.arange(len(members))))

    def refs(self, entity: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        """The ids of `entity` (entity indexes, -1 for none); null where there is none or not `valid`."""
        entity = np.asarray(entity, dtype=np.int64)
        rank = np.where(entity >= 0, self.rank_of[np.maximum(entity, 0)], -1)
        missing = rank < 0 if valid is None else (rank < 0) | ~valid
        return pc.take(self.ids, pa.array(np.maximum(rank, 0), mask=missing))


def choose(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    """k distinct elements of `candidates` (all of them when there are fewer), in ascending order."""
    candidates = np.asarray(candidates)
    if k >= len(candidates):
        return np.sort(candidates)
    return np.sort(rng.choice(candidates, k, replace=False))


def moments_after(
    rng: np.random.Generator, after_ms: np.ndarray, end_ms: int, share: float = 1.0
) -> np.ndarray:
    """A moment in [after, after + share x (end - 1 - after)] for each element."""
    room = np.maximum(end_ms - 1 - after_ms, 0)
    return after_ms + (rng.random(len(after_ms)) * share * room).astype(np.int64)


def run_starts(keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal keys begins (keys sorted or grouped)."""
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    return np.flatnonzero(starts)


def run_ends(keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal keys ends (keys sorted or grouped)."""
    ends = np.ones(len(keys), dtype=bool)
    ends[:-1] = keys[1:] != keys[:-1]
    return np.flatnonzero(ends)
