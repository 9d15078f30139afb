"""Salesforce record ids: 15 case-sensitive characters plus the 3-character case-insensitivity suffix."""

from __future__ import annotations

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
POD = "5g0"  # instance/pod characters after the key prefix; constant for one org


def _suffix(id15: str) -> str:
    out = []
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_SUFFIX_CHARS[bits])
    return "".join(out)


def sf_id(key_prefix: str, number: int) -> str:
    """The 18-character id of the `number`-th record of an object with `key_prefix` (e.g. '00T')."""
    digits = []
    n = number
    for _ in range(9):
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    if n:
        raise ValueError(f"record number {number} does not fit in a Salesforce id")
    id15 = key_prefix + POD + "".join(reversed(digits))
    return id15 + _suffix(id15)


def to_18(id15: str) -> str:
    """The 18-character form of a 15- or 18-character id."""
    if len(id15) == 18:
        return id15[:15] + _suffix(id15[:15])
    if len(id15) != 15:
        raise ValueError(f"not a Salesforce id: {id15!r}")
    return id15 + _suffix(id15)
