"""Who the prospects are: company names and domains, contact names and e-mails. Shared by both CRMs,
so a company a migrating rep carried over has the same name in each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sandbox.org.model import Prospects
from sandbox.org.text import (
    INDUSTRIES,
    JOB_TITLES,
    company_names,
    join,
    person_names,
    pick,
    vocabulary,
)


@dataclass(frozen=True)
class Directory:
    company_name: pa.Array  # per prospect
    domain: pa.Array
    industry: pa.Array
    contact_prospect: np.ndarray  # per contact: its prospect
    first_name: pa.Array
    last_name: pa.Array
    full_name: pa.Array
    email: pa.Array
    title: pa.Array


def build_directory(rng: np.random.Generator, prospects: Prospects) -> Directory:
    names, domains = company_names(rng, prospects.size)
    industry = pick(vocabulary(INDUSTRIES), rng.integers(0, len(INDUSTRIES), prospects.size))
    contact_prospect = np.repeat(np.arange(prospects.size), prospects.contact_count)
    n = len(contact_prospect)
    first, last, slug = person_names(rng, n)
    person = pa.array(prospects.is_person[contact_prospect])
    domain = pc.if_else(person, "mail.example", pc.take(domains, pa.array(contact_prospect)))
    titles = pick(vocabulary(JOB_TITLES), rng.integers(0, len(JOB_TITLES), n))
    return Directory(
        company_name=names,
        domain=domains,
        industry=industry,
        contact_prospect=contact_prospect,
        first_name=first,
        last_name=last,
        full_name=join(first, last, sep=" "),
        email=join(slug, domain, sep="@"),
        title=titles,
    )
