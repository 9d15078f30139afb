"""Salesforce ids in bulk: the same 18-character ids as `salesforce.ids.sf_id`, built with numpy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sandbox.salesforce.ids import _BASE62, _SUFFIX_CHARS, POD

_BASE62_CODES = np.frombuffer(_BASE62.encode(), dtype=np.uint8)
_SUFFIX_CODES = np.frombuffer(_SUFFIX_CHARS.encode(), dtype=np.uint8)
_DIGITS = 9
_UPPER_A, _UPPER_Z = ord("A"), ord("Z")


def sf_ids(key_prefix: str, numbers: np.ndarray) -> pa.StringArray:
    """The ids of records `numbers` (int64, each < 62**9) of the object with `key_prefix`."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :6] = np.frombuffer((key_prefix + POD).encode(), dtype=np.uint8)
    rest = numbers.copy()
    for pos in range(14, 5, -1):
        rest, digit = np.divmod(rest, 62)
        chars[:, pos] = _BASE62_CODES[digit]
    if n and rest.any():
        raise ValueError("record number does not fit in a Salesforce id")
    upper = (chars[:, :15] >= _UPPER_A) & (chars[:, :15] <= _UPPER_Z)
    weights = 1 << np.arange(5)
    for chunk in range(3):
        bits = upper[:, chunk * 5 : chunk * 5 + 5] @ weights
        chars[:, 15 + chunk] = _SUFFIX_CODES[bits]
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(18), n, [None, pa.py_buffer(chars.tobytes())])
    return fixed.cast(pa.binary()).cast(pa.string())


def sf_number(record_id: str) -> int:
    """The record number inside an id made by `sf_id`/`sf_ids` (inverse of the numbering)."""
    number = 0
    for ch in record_id[6:15]:
        number = number * 62 + _BASE62.index(ch)
    return number
