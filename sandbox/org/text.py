"""Names, subjects and the hostile strings real CRMs contain, turned into Arrow string columns in bulk.

Every vocabulary entry that ends up in an e-mail address or domain has an ASCII slug beside it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Text that breaks naive SQL/SOQL quoting, CSV writers, JSON encoders and terminals.
HOSTILE_TEXTS = (
    'O\'Reilly "Quoted" & Sons',
    "'; DROP TABLE deals;--",
    "x' OR Name LIKE '%",
    "C:\\Temp\\new\\table",
    "Rocket 🚀 Labs 😀",
    "株式会社テスト東京",
    "Zoë Ångström-Müller Ñandú",
    "Line one\nLine two\tTabbed",
)

# (display, ascii slug) pairs.
FIRST_NAMES = (
    ("Anna", "anna"), ("Ben", "ben"), ("Chloé", "chloe"), ("Dmitri", "dmitri"), ("Emma", "emma"),
    ("François", "francois"), ("Grace", "grace"), ("Hiro", "hiro"), ("Inès", "ines"), ("Jörg", "joerg"),
    ("Kai", "kai"), ("Lena", "lena"), ("Mateo", "mateo"), ("Nina", "nina"), ("Oscar", "oscar"),
    ("Priya", "priya"), ("Quinn", "quinn"), ("Rosa", "rosa"), ("Sven", "sven"), ("Tomás", "tomas"),
    ("Uma", "uma"), ("Viktor", "viktor"), ("Wen", "wen"), ("Xavier", "xavier"), ("Yara", "yara"),
    ("Zoë", "zoe"), ("Aleksandra", "aleksandra"), ("Bjørn", "bjorn"), ("Carmen", "carmen"),
    ("David", "david"), ("Eleni", "eleni"), ("Fatima", "fatima"),
)  # fmt: skip
LAST_NAMES = (
    ("Schmidt", "schmidt"), ("García", "garcia"), ("Nguyễn", "nguyen"), ("O'Connor", "oconnor"),
    ("Kowalski", "kowalski"), ("Søndergaard", "sondergaard"), ("Dubois", "dubois"), ("Rossi", "rossi"),
    ("Tanaka", "tanaka"), ("Smith", "smith"), ("Müller", "mueller"), ("Novák", "novak"),
    ("Johansson", "johansson"), ("Okafor", "okafor"), ("Patel", "patel"), ("Kim", "kim"),
    ("da Silva", "dasilva"), ("Ivanova", "ivanova"), ("Brown", "brown"), ("Yılmaz", "yilmaz"),
    ("Fischer", "fischer"), ("López", "lopez"), ("Chen", "chen"), ("Wójcik", "wojcik"),
)  # fmt: skip
COMPANY_STEMS = (
    ("Acme", "acme"), ("Globex", "globex"), ("Initech", "initech"), ("Umbrella", "umbrella"),
    ("Stark", "stark"), ("Hooli", "hooli"), ("Vandelay", "vandelay"), ("Cyberdyne", "cyberdyne"),
    ("Nordwind", "nordwind"), ("Sirius", "sirius"), ("Blue Harbor", "blueharbor"), ("Kestrel", "kestrel"),
    ("Lumen", "lumen"), ("Orchid", "orchid"), ("Pioneer", "pioneer"), ("Quantum", "quantum"),
    ("Redwood", "redwood"), ("Summit", "summit"), ("Tandem", "tandem"), ("Vertex", "vertex"),
    ("Willow", "willow"), ("Zenith", "zenith"), ("Müller & Töchter", "muellertoechter"),
    ("Société Lumière", "societelumiere"), ("Ørestad", "orestad"), ("Hanse", "hanse"),
    ("Fjord", "fjord"), ("Sakura", "sakura"), ("Atlas", "atlas"), ("Boreal", "boreal"),
)  # fmt: skip
COMPANY_TRADES = (
    ("Logistics", "logistics"), ("Health", "health"), ("Foods", "foods"), ("Analytics", "analytics"),
    ("Robotics", "robotics"), ("Energy", "energy"), ("Media", "media"), ("Capital", "capital"),
    ("Software", "software"), ("Textiles", "textiles"), ("Biotech", "biotech"), ("Motors", "motors"),
    ("Retail", "retail"), ("Labs", "labs"), ("Consulting", "consulting"), ("Freight", "freight"),
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc.", "GmbH", "Ltd", "LLC", "S.A.", "AG", "Corp.", "SAS", "B.V.", "K.K.", "Oy", "plc")
INDUSTRIES = (
    "Technology",
    "Manufacturing",
    "Healthcare",
    "Retail",
    "Finance",
    "Logistics",
    "Energy",
    "Media",
)
CALL_SUBJECTS = ("Call", "Cold call", "Follow-up call", "Discovery call", "Intro call", "Check-in call")
MEETING_SUBJECTS = (
    "Intro meeting",
    "Discovery meeting",
    "Product demo",
    "Intro call (video)",
    "First meeting",
)
FOLLOWUP_MEETING_SUBJECTS = ("Proposal review", "Demo for the team", "Negotiation", "Contract walkthrough")
TASK_SUBJECTS = ("Send proposal", "Follow up", "Prepare quote", "Update CRM notes")
EMAIL_SUBJECTS = ("Email: Intro", "Email: Pricing", "Email: Next steps", "Re: Your question")
LIST_EMAIL_SUBJECTS = (
    "List Email: Product update",
    "List Email: Webinar invitation",
    "List Email: Case study",
)
CALL_NOTES = (
    "Spoke with the decision maker.\nInterested, send pricing.",
    "Gatekeeper; call back after 2pm.",
    "Asked for a demo next week.",
    "Not interested right now \u2014 revisit in Q3.",
)
PRODUCTS = ("New licence", "Platform subscription", "Pilot", "Expansion", "Services package")
MEETING_LOCATIONS = ("Zoom", "Microsoft Teams", "Google Meet", "Customer office", "Phone")


def vocabulary(values: tuple[str, ...] | list[str]) -> pa.StringArray:
    return pa.array(list(values), type=pa.string())


def pick(vocab: pa.Array, indices: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """vocab[indices] as an Arrow column; null where `valid` is False."""
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pc.take(vocab, pa.array(np.asarray(indices, dtype=np.int64), mask=mask))


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation of string columns and literals."""
    return pc.binary_join_element_wise(*parts, sep)


def numbers_as_text(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())


def phone_numbers(rng: np.random.Generator, n: int) -> pa.Array:
    """Fictional phone numbers (the 555 range)."""
    return join("+1 555", numbers_as_text(rng.integers(1_000_000, 9_999_999, n)), sep=" ")


def with_overrides(column: pa.Array, rows: np.ndarray, texts: tuple[str, ...]) -> pa.Array:
    """The column with rows[i] replaced by texts[i % len(texts)] (used to plant hostile strings)."""
    if len(rows) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    chosen = np.flatnonzero(mask)  # replacements are consumed in row order
    replacements = pa.array([texts[i % len(texts)] for i in range(len(chosen))], type=pa.string())
    return pc.replace_with_mask(column, pa.array(mask), replacements)


def company_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    """(display name, web domain) per company."""
    stem = rng.integers(0, len(COMPANY_STEMS), n)
    trade = rng.integers(0, len(COMPANY_TRADES), n)
    suffix = rng.integers(0, len(COMPANY_SUFFIXES), n)
    names = join(
        pick(vocabulary([s for s, _ in COMPANY_STEMS]), stem),
        pick(vocabulary([t for t, _ in COMPANY_TRADES]), trade),
        pick(vocabulary(COMPANY_SUFFIXES), suffix),
        sep=" ",
    )
    domains = join(
        pick(vocabulary([slug for _, slug in COMPANY_STEMS]), stem),
        pick(vocabulary([slug for _, slug in COMPANY_TRADES]), trade),
        ".example",
    )
    return names, domains


def person_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(first name, last name, ascii 'first.last' slug) per person."""
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    slug = join(
        pick(vocabulary([s for _, s in FIRST_NAMES]), first),
        pick(vocabulary([s for _, s in LAST_NAMES]), last),
        sep=".",
    )
    return (
        pick(vocabulary([f for f, _ in FIRST_NAMES]), first),
        pick(vocabulary([v for v, _ in LAST_NAMES]), last),
        slug,
    )
