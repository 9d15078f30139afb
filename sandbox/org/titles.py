"""Job titles of the people reps sell to: a seniority is drawn first, then a title of that seniority.

Titles are written as people type them: mostly plain English, some in other languages, some odd, and
some missing (empty, whitespace or punctuation only). The generator never classifies a title; how
Barometer derives a seniority from one is the warehouse's business (docs/metrics.md), and a few of
these titles are meant to fool such rules ("Chief Happiness Officer", "Geschäftsführer").
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sandbox.org.text import pick, vocabulary

# Seniority codes (a person's real standing, whatever the title says).
C_LEVEL, VP, DIRECTOR, MANAGER, STAFF, NO_TITLE = range(6)
EXECUTIVES = (C_LEVEL, VP)
SENIORITY_SHARES = np.array([0.08, 0.09, 0.15, 0.22, 0.40, 0.06])  # executives: 17 %

# Titles per seniority; a (title, weight) pair is rarer than a plain title (weight 1).
TITLES: dict[int, tuple[str | tuple[str, float], ...]] = {
    C_LEVEL: (
        "CEO",
        "Chief Executive Officer",
        "Founder",
        "Co-Founder",
        "Chief Revenue Officer",
        "CFO",
        "COO",
        "CTO",
        "President",
        "Owner",
        "Managing Director",
        ("ceo & founder", 0.3),
        ("Geschäftsführer", 0.5),
        ("Directora General", 0.5),
    ),
    VP: (
        "VP Sales",
        "Vice President of Sales",
        "SVP Operations",
        "EVP, Finance",
        "Head of Sales",
        "Head of Procurement",
        "VP Operations",
        ("Vice-President, Marketing", 0.5),
        ("AVP Engineering", 0.5),
    ),
    DIRECTOR: (
        "Sales Director",
        "Director of Procurement",
        "IT Director",
        "Director, Finance",
        ("Directeur Commercial", 0.5),
        "Regional Director",
    ),
    MANAGER: (
        "IT Manager",
        "Account Manager",
        "Sales Manager",
        "Procurement Manager",
        "Office Manager",
        "Marketing Manager",
        ("Jefe de Ventas", 0.5),
        ("営業部長", 0.5),
    ),
    STAFF: (
        "Sales Operations Analyst",
        "Procurement Specialist",
        "Buyer",
        "Software Engineer",
        "Consultant",
        "Procurement Lead",
        ("Executive Assistant", 0.5),
        ("Chief Happiness Officer", 0.15),
        ("Ninja", 0.15),
        ("Einkäufer", 0.5),
    ),
    NO_TITLE: ("", "", "   ", "-", "...", ("--", 0.5)),
}


def draw_seniority(rng: np.random.Generator, n: int) -> np.ndarray:
    """A seniority code per person, executives a minority (SENIORITY_SHARES)."""
    return rng.choice(len(SENIORITY_SHARES), n, p=SENIORITY_SHARES)


def is_executive(seniority: np.ndarray) -> np.ndarray:
    return np.isin(seniority, EXECUTIVES)


def titles(rng: np.random.Generator, seniority: np.ndarray) -> pa.Array:
    """A title of each person's seniority, drawn by the titles' weights."""
    flat: list[str] = []
    index = np.zeros(len(seniority), dtype=np.int64)
    for code, entries in sorted(TITLES.items()):
        names = [e if isinstance(e, str) else e[0] for e in entries]
        weights = np.array([1.0 if isinstance(e, str) else e[1] for e in entries])
        mine = np.flatnonzero(seniority == code)
        index[mine] = len(flat) + rng.choice(len(names), len(mine), p=weights / weights.sum())
        flat += names
    return pick(vocabulary(flat), index)
