"""Values of a wide org's custom fields (sandbox.salesforce.custom_fields), column by column.

Made per slice of rows (`CustomValues(...)(start, stop)`), so 800 fields times the org's records never sit
in memory at once; each slice draws from its own stream of the seed, so the values depend only on
the seed, the object and the row. Most fields are sparsely filled, as in real orgs: each field has
its own share of NULLs (checkboxes are never NULL).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from sandbox.org.text import pick, vocabulary
from sandbox.salesforce.custom_fields import WIDE_OBJECTS
from sandbox.salesforce.objects import SField

_STREAM = 0x6366  # "cf": keeps these draws apart from every other stream of the seed
_NULL_SHARE = (0.3, 0.95)  # per field, drawn uniformly
_TEXTS = (
    "Evaluated in Q2, no decision yet",
    "SAP ERP",
    "Legacy on-prem CRM",
    "Referred by Nordwind Logistics",
    "Needs SSO and SCIM before signing",
    "Procurement lead, not the buyer",
    "Müller & Töchter GmbH",
    "Call back after the board meeting — budget freeze",
)
_FIRST_DAY = (date(2018, 1, 1) - date(1970, 1, 1)).days
_DAYS = 365 * 12


class CustomValues:
    """Values for the custom `fields` of `sobject`, rows `start` to `stop` at a time."""

    def __init__(self, fields: tuple[SField, ...], *, seed: int, sobject: str) -> None:
        self.fields = fields
        self._key = [seed, _STREAM, WIDE_OBJECTS.index(sobject)]
        shape = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._key)))
        self._null_share = shape.uniform(*_NULL_SHARE, len(fields))
        self._true_share = shape.uniform(0.05, 0.6, len(fields))

    def __call__(self, start: int, stop: int) -> dict[str, pa.Array]:
        n = stop - start
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([*self._key, start])))
        columns = {}
        for i, f in enumerate(self.fields):
            if f.type == "boolean":
                columns[f.name] = pa.array(rng.random(n) < self._true_share[i])
                continue
            valid = rng.random(n) >= self._null_share[i]
            mask = ~valid
            if f.type == "double":
                amounts = np.round(rng.lognormal(4.0, 1.5, n), 2)
                columns[f.name] = pa.array(amounts, pa.float64(), mask=mask)
            elif f.type == "date":
                days = (_FIRST_DAY + rng.integers(0, _DAYS, n)).astype(np.int32)
                columns[f.name] = pa.array(days, pa.date32(), mask=mask)
            elif f.type == "picklist":
                columns[f.name] = pick(vocabulary(f.picklist), rng.integers(0, len(f.picklist), n), valid)
            else:
                columns[f.name] = pick(vocabulary(_TEXTS), rng.integers(0, len(_TEXTS), n), valid)
        return columns
