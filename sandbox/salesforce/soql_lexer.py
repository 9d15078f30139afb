"""SOQL tokens: identifiers, punctuation, comparison operators and the literal forms Salesforce accepts
(quoted strings with SOQL escapes, numbers, date and datetime literals, `LAST_N_DAYS:n`-style literals).

Literal values are decoded here, once: a datetime literal with an offset becomes a naive UTC datetime,
a string literal becomes both its plain value and its LIKE pattern (see `StringValue`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox.salesforce.soql_errors import MALFORMED_QUERY, error_at

# Token kinds.
IDENT = "ident"
STRING = "string"
NUMBER = "number"
DATE = "date"
DATETIME = "datetime"
N_LITERAL = "n_literal"  # LAST_N_DAYS:7 and its kin: value is (NAME, n)
OP = "op"  # = != <> < <= > >=
PUNCT = "punct"  # ( ) , . :
EOF = "eof"


@dataclass(frozen=True)
class StringValue:
    """A decoded string literal. `plain` is the value used by =, IN, < ...; it is None when the literal
    uses \\% or \\_, which Salesforce allows only in LIKE. `like` is the same literal as a DuckDB LIKE
    pattern with backslash as the escape character: unescaped % and _ stay wildcards, every other
    character matches itself."""

    plain: str | None
    like: str


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # the source text of the token ('<EOF>' at the end)
    pos: int  # character offset in the query
    value: object = None

    def is_word(self, *words: str) -> bool:
        """True when the token is an identifier spelling one of `words` (upper case), in any case."""
        return self.kind == IDENT and self.text.upper() in words


_WS = re.compile(r"\s+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_N_LITERAL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(\d+)")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))"
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCT = "(),.:"
# A literal must not run straight into these (catches 1e5, 2024-01-05T10:00, 12abc, 1.2.3).
_GLUED = re.compile(r"[A-Za-z0-9_.:]")
_SIMPLE_ESCAPES = {
    "n": "\n",
    "N": "\n",
    "r": "\r",
    "R": "\r",
    "t": "\t",
    "T": "\t",
    "b": "\b",
    "B": "\b",
    "f": "\f",
    "F": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an EOF token; raises SoqlError(MALFORMED_QUERY) on a
    character or literal SOQL does not accept."""
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    while True:
        m = _WS.match(text, pos)
        if m:
            pos = m.end()
        if pos >= n:
            tokens.append(Token(EOF, "<EOF>", n))
            return tokens
        ch = text[pos]
        if ch == "'":
            token = _string(text, pos)
        elif ch.isdigit() or (ch == "-" and pos + 1 < n and text[pos + 1].isdigit()):
            token = _numeric(text, pos)
        elif ch.isalpha() or ch == "_":
            m = _N_LITERAL.match(text, pos)
            if m:
                token = Token(N_LITERAL, m.group(0), pos, (m.group(1).upper(), int(m.group(2))))
            else:
                m = _IDENT.match(text, pos)
                assert m is not None
                token = Token(IDENT, m.group(0), pos)
        elif ch in _PUNCT:
            token = Token(PUNCT, ch, pos)
        else:
            op = next((o for o in _OPS if text.startswith(o, pos)), None)
            if op is None:
                raise error_at(text, pos, MALFORMED_QUERY, f"unexpected token: '{ch}'")
            token = Token(OP, op, pos)
        tokens.append(token)
        pos = token.pos + len(token.text)


def _bad_literal(text: str, pos: int, detail: str | None = None):
    end = pos + 1
    while end < len(text) and (_GLUED.match(text, end) or text[end] in "-+"):
        end += 1
    return error_at(text, pos, MALFORMED_QUERY, detail or f"unexpected token: '{text[pos:end]}'")


def _numeric(text: str, pos: int) -> Token:
    for pattern, kind in ((_DATETIME, DATETIME), (_DATE, DATE), (_NUMBER, NUMBER)):
        m = pattern.match(text, pos)
        if not m:
            continue
        end = m.end()
        if end < len(text) and _GLUED.match(text, end):
            raise _bad_literal(text, pos)
        raw = m.group(0)
        try:
            if kind == DATETIME:
                value: object = _datetime_value(m)
            elif kind == DATE:
                value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            else:
                value = float(raw) if "." in raw else int(raw)
                if isinstance(value, int) and abs(value) >= 2**63:
                    value = float(value)  # beyond what DuckDB binds as an integer; Salesforce uses doubles
        except ValueError:
            raise _bad_literal(text, pos, f"invalid date/time literal: '{raw}'") from None
        return Token(kind, raw, pos, value)
    raise _bad_literal(text, pos)  # pragma: no cover - _NUMBER matches any digit run


def _datetime_value(m: re.Match[str]) -> datetime:
    """The literal as a naive UTC datetime (how the store keeps datetimes)."""
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    micro = int((m.group(7) or "0").ljust(6, "0"))
    value = datetime(year, month, day, hour, minute, second, micro)
    if m.group(8) is None:  # an offset: local time = UTC + offset
        off_h, off_m = int(m.group(10)), int(m.group(11))
        if off_h > 18 or off_m > 59:
            raise ValueError("offset out of range")
        offset = timedelta(hours=off_h, minutes=off_m)
        value = value - offset if m.group(9) == "+" else value + offset
    return value


def _like_literal(ch: str) -> str:
    """A character that must match itself in a DuckDB LIKE pattern (escape character: backslash)."""
    return "\\" + ch if ch in "%_\\" else ch


def _string(text: str, start: int) -> Token:
    plain: list[str] = []
    like: list[str] = []
    like_only = False
    i = start + 1
    n = len(text)
    while True:
        if i >= n:
            raise error_at(text, n, MALFORMED_QUERY, "mismatched character '<EOF>' expecting '''")
        ch = text[i]
        if ch == "'":
            break
        if ch != "\\":
            plain.append(ch)
            like.append(ch)  # raw % and _ are wildcards in LIKE
            i += 1
            continue
        esc = text[i + 1] if i + 1 < n else ""
        if esc in _SIMPLE_ESCAPES:
            decoded = _SIMPLE_ESCAPES[esc]
            i += 2
        elif esc in ("%", "_"):
            like_only = True
            like.append("\\" + esc)
            i += 2
            continue
        elif esc == "u" and _HEX4.fullmatch(text, i + 2, i + 6):
            code = int(text[i + 2 : i + 6], 16)
            i += 6
            if 0xD800 <= code <= 0xDBFF and text.startswith("\\u", i) and _HEX4.fullmatch(text, i + 2, i + 6):
                low = int(text[i + 2 : i + 6], 16)
                if 0xDC00 <= low <= 0xDFFF:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            if 0xD800 <= code <= 0xDFFF:
                raise error_at(text, i - 6, MALFORMED_QUERY, "Invalid unicode escape: unpaired surrogate")
            decoded = chr(code)
        else:
            raise error_at(
                text,
                i,
                MALFORMED_QUERY,
                f"Invalid string literal '{text[start + 1 : i + 2]}'. "
                f"Illegal character sequence '\\{esc}' in string literal.",
            )
        plain.append(decoded)
        like.append(_like_literal(decoded))
    raw = text[start : i + 1]
    value = StringValue(plain=None if like_only else "".join(plain), like="".join(like))
    return Token(STRING, raw, start, value)
