"""Who the prospects are: company names and domains, contact names, e-mails, phone numbers and job
titles (of each contact's seniority, drawn in the world). Shared by both CRMs, so a company a migrating
rep carried over has the same name in each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sandbox.org.model import Prospects
from sandbox.org.text import (
    INDUSTRIES,
    company_names,
    join,
    person_names,
    phone_numbers,
    pick,
    vocabulary,
)
from sandbox.org.titles import titles


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
    phone: pa.Array
    title: pa.Array  # as typed: may be empty, whitespace or punctuation only


def build_directory(rng: np.random.Generator, prospects: Prospects, seniority: np.ndarray) -> Directory:
    names, domains = company_names(rng, prospects.size)
    industry = pick(vocabulary(INDUSTRIES), rng.integers(0, len(INDUSTRIES), prospects.size))
    contact_prospect = np.repeat(np.arange(prospects.size), prospects.contact_count)
    n = len(contact_prospect)
    first, last, slug = person_names(rng, n)
    person = pa.array(prospects.is_person[contact_prospect])
    domain = pc.if_else(person, "mail.example", pc.take(domains, pa.array(contact_prospect)))
    job_titles = titles(rng, seniority)
    return Directory(
        company_name=names,
        domain=domains,
        industry=industry,
        contact_prospect=contact_prospect,
        first_name=first,
        last_name=last,
        full_name=join(first, last, sep=" "),
        email=join(slug, domain, sep="@"),
        phone=phone_numbers(rng, n),
        title=job_titles,
    )
