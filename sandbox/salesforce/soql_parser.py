"""SOQL text -> `Query`, by recursive descent over the tokens of `soql_lexer`.

The grammar (keywords case-insensitive):

    query      := SELECT (COUNT '(' ')' | field (',' field)*) FROM object
                  [WHERE condition] [ORDER BY order (',' order)*] [LIMIT int] [OFFSET int]
    condition  := unary (AND unary)* | unary (OR unary)*      -- AND and OR never mix at one level
    unary      := NOT unary | '(' condition ')' | predicate
    predicate  := field op value | field LIKE value | field [NOT] IN '(' value (',' value)* ')'
    op         := = | != | <> | < | <= | > | >=
    value      := 'string' | number | true | false | null | date | datetime
                  | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n
    order      := field [ASC | DESC] [NULLS (FIRST | LAST)]

Everything else SOQL has (relationship paths, subqueries, aggregates, GROUP BY, TYPEOF, FIELDS(),
WITH, FOR ..., bind variables, other date literals) is refused with MALFORMED_QUERY rather than
half-understood. Names are not resolved here; `soql_compiler` checks them against the org.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.salesforce.soql_errors import (
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    SoqlError,
    error_at,
)
from sandbox.salesforce.soql_lexer import (
    DATE,
    DATETIME,
    EOF,
    IDENT,
    N_LITERAL,
    NUMBER,
    OP,
    PUNCT,
    STRING,
    StringValue,
    Token,
    tokenize,
)

MAX_OFFSET = 2000
MAX_INT = 2**31 - 1  # LIMIT and OFFSET are 32-bit in Salesforce

# Words SOQL reserves: never a field or object name.
RESERVED = frozenset(
    {
        "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST",
        "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH", "ORDER", "OFFSET",
        "TRUE", "FALSE", "TYPEOF", "USING", "FOR",
    }
)  # fmt: skip
RELATIVE_DATES = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
RELATIVE_N_DATES = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS"})
# Salesforce date literals the sandbox does not implement (week start and fiscal year depend on the
# org's locale and settings): refused by name rather than misread.
_OTHER_DATE_LITERALS = frozenset(
    {
        "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH", "LAST_90_DAYS",
        "NEXT_90_DAYS", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR", "LAST_YEAR",
        "NEXT_YEAR", "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
        "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
    }
)  # fmt: skip
_OTHER_N_DATE_LITERALS = frozenset(
    {
        "LAST_N_WEEKS", "NEXT_N_WEEKS", "LAST_N_MONTHS", "NEXT_N_MONTHS", "LAST_N_QUARTERS",
        "NEXT_N_QUARTERS", "LAST_N_YEARS", "NEXT_N_YEARS", "LAST_N_FISCAL_QUARTERS",
        "NEXT_N_FISCAL_QUARTERS", "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_DAYS_AGO",
        "N_WEEKS_AGO", "N_MONTHS_AGO", "N_QUARTERS_AGO", "N_YEARS_AGO", "N_FISCAL_QUARTERS_AGO",
        "N_FISCAL_YEARS_AGO",
    }
)  # fmt: skip
_AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "GROUPING"})
_UNSUPPORTED_CLAUSES = {
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "WITH": "WITH",
    "USING": "USING SCOPE",
    "FOR": "FOR VIEW/REFERENCE/UPDATE",
    "UPDATE": "UPDATE TRACKING/VIEWSTAT",
    "ALL": "ALL ROWS",
}
_SUPPORTED = (
    "by the Barometer sandbox (it supports SELECT field, ... | COUNT() FROM object [WHERE ...] "
    "[ORDER BY ...] [LIMIT n] [OFFSET n])"
)


# ---------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class FieldRef:
    name: str  # as written; resolved case-insensitively by the compiler
    pos: int


@dataclass(frozen=True)
class RelativeDate:
    """TODAY, YESTERDAY, TOMORROW (n None) or LAST_N_DAYS / NEXT_N_DAYS with their n."""

    name: str
    n: int | None = None


@dataclass(frozen=True)
class Literal:
    """kind: 'string' (value: StringValue), 'number' (int | float), 'boolean', 'null', 'date',
    'datetime' (naive UTC) or 'relative' (RelativeDate)."""

    kind: str
    value: object
    text: str
    pos: int


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < <= > >= LIKE   (<> is normalised to !=)
    value: Literal


@dataclass(frozen=True)
class InList:
    field: FieldRef
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Condition, ...]


Condition = Comparison | InList | Not | And | Or


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool  # Salesforce default: first when ascending, last when descending


@dataclass(frozen=True)
class Query:
    text: str  # the SOQL, kept for error messages that point into it
    object_name: str
    object_pos: int
    fields: tuple[FieldRef, ...]  # empty for COUNT()
    count_only: bool
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None


# ------------------------------------------------------------------------------------------- parser


def parse(text: str) -> Query:
    """Parse SOQL; raises SoqlError (MALFORMED_QUERY, NUMBER_OUTSIDE_VALID_RANGE) when Salesforce would
    refuse the syntax or the sandbox does not support the construct."""
    if not text or not text.strip():
        raise SoqlError(MALFORMED_QUERY, "SOQL statements cannot be empty or null")
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # -- token helpers

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.peek()
        if tok.kind != EOF:
            self.i += 1
        return tok

    def at_punct(self, ch: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == PUNCT and tok.text == ch

    def accept_word(self, *words: str) -> Token | None:
        if self.peek().is_word(*words):
            return self.next()
        return None

    def expect_word(self, word: str) -> Token:
        tok = self.next()
        if not tok.is_word(word):
            raise self.unexpected(tok)
        return tok

    def expect_punct(self, ch: str) -> Token:
        tok = self.next()
        if tok.kind != PUNCT or tok.text != ch:
            raise self.unexpected(tok)
        return tok

    def unexpected(self, tok: Token) -> SoqlError:
        return error_at(self.text, tok.pos, MALFORMED_QUERY, f"unexpected token: '{tok.text}'")

    def unsupported(self, pos: int, what: str) -> SoqlError:
        return error_at(self.text, pos, MALFORMED_QUERY, f"{what} is not supported {_SUPPORTED}")

    # -- clauses

    def query(self) -> Query:
        self.expect_word("SELECT")
        fields: list[FieldRef] = []
        count_only = False
        if self.peek().is_word("COUNT") and self.at_punct("(", 1) and self.at_punct(")", 2):
            self.i += 3
            count_only = True
        else:
            fields.append(self.select_item())
            while self.at_punct(","):
                self.next()
                fields.append(self.select_item())
        self.expect_word("FROM")
        obj = self.next()
        if obj.kind != IDENT or obj.text.upper() in RESERVED:
            raise self.unexpected(obj)

        where = None
        order: list[OrderItem] = []
        limit = offset = None
        if self.accept_word("WHERE"):
            where = self.condition()
        if self.peek().is_word("ORDER"):
            if count_only:
                raise self.unsupported(self.peek().pos, "ORDER BY with COUNT()")
            self.next()
            self.expect_word("BY")
            order.append(self.order_item())
            while self.at_punct(","):
                self.next()
                order.append(self.order_item())
        if self.accept_word("LIMIT"):
            limit = self.integer()
        if self.peek().is_word("OFFSET"):
            offset_tok = self.next()
            offset = self.integer()
            if offset > MAX_OFFSET:
                raise error_at(
                    self.text,
                    offset_tok.pos,
                    NUMBER_OUTSIDE_VALID_RANGE,
                    f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                )
        tok = self.peek()
        if tok.kind != EOF:
            word = tok.text.upper() if tok.kind == IDENT else ""
            if word in _UNSUPPORTED_CLAUSES:
                raise self.unsupported(tok.pos, _UNSUPPORTED_CLAUSES[word])
            raise self.unexpected(tok)
        return Query(
            text=self.text,
            object_name=obj.text,
            object_pos=obj.pos,
            fields=tuple(fields),
            count_only=count_only,
            where=where,
            order_by=tuple(order),
            limit=limit,
            offset=offset,
        )

    def select_item(self) -> FieldRef:
        tok = self.peek()
        if tok.kind == PUNCT and tok.text == "(":
            raise self.unsupported(tok.pos, "a subquery")
        if tok.is_word("TYPEOF"):
            raise self.unsupported(tok.pos, "TYPEOF")
        if tok.is_word("FIELDS") and self.at_punct("(", 1):
            raise self.unsupported(tok.pos, "FIELDS()")
        if tok.is_word("COUNT") and self.at_punct("(", 1) and self.at_punct(")", 2):
            raise self.unsupported(tok.pos, "COUNT() together with fields")
        return self.field_ref()

    def field_ref(self) -> FieldRef:
        tok = self.next()
        if tok.kind != IDENT or tok.text.upper() in RESERVED:
            raise self.unexpected(tok)
        if self.at_punct("("):
            if tok.text.upper() == "COUNT":
                raise self.unsupported(tok.pos, "COUNT(field)")
            if tok.text.upper() in _AGGREGATES:
                raise self.unsupported(tok.pos, f"the aggregate function {tok.text}()")
            raise self.unsupported(tok.pos, f"the function {tok.text}()")
        if self.at_punct("."):
            path = tok.text
            k = 0
            while self.at_punct(".", k) and self.peek(k + 1).kind == IDENT:
                path += "." + self.peek(k + 1).text
                k += 2
            raise self.unsupported(tok.pos, f"the relationship field {path}")
        return FieldRef(tok.text, tok.pos)

    def order_item(self) -> OrderItem:
        field = self.field_ref()
        descending = False
        if self.accept_word("DESC"):
            descending = True
        else:
            self.accept_word("ASC")
        nulls_first = not descending
        if self.accept_word("NULLS"):
            tok = self.next()
            if not tok.is_word("FIRST", "LAST"):
                raise self.unexpected(tok)
            nulls_first = tok.text.upper() == "FIRST"
        return OrderItem(field, descending, nulls_first)

    def integer(self) -> int:
        tok = self.next()
        if tok.kind != NUMBER or not isinstance(tok.value, int) or tok.value < 0:
            raise self.unexpected(tok)
        if tok.value > MAX_INT:
            raise error_at(self.text, tok.pos, MALFORMED_QUERY, f"numeric value out of range: {tok.text}")
        return tok.value

    # -- WHERE

    def condition(self) -> Condition:
        first = self.unary()
        tok = self.peek()
        if not tok.is_word("AND", "OR"):
            return first
        word = tok.text.upper()
        operands = [first]
        while self.accept_word(word):
            operands.append(self.unary())
        if self.peek().is_word("AND", "OR"):
            # Salesforce refuses `a AND b OR c`: parentheses must say which is meant.
            raise self.unexpected(self.peek())
        return And(tuple(operands)) if word == "AND" else Or(tuple(operands))

    def unary(self) -> Condition:
        if self.accept_word("NOT"):
            return Not(self.unary())
        if self.at_punct("("):
            self.next()
            if self.peek().is_word("SELECT"):
                raise self.unsupported(self.peek().pos, "a subquery")
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        field = self.field_ref()
        tok = self.next()
        if tok.kind == OP:
            op = "!=" if tok.text == "<>" else tok.text
            return Comparison(field, op, self.value(op))
        if tok.is_word("LIKE"):
            return Comparison(field, "LIKE", self.value("LIKE"))
        if tok.is_word("IN"):
            return InList(field, self.value_list(), negated=False)
        if tok.is_word("NOT") and self.peek().is_word("IN"):
            self.next()
            return InList(field, self.value_list(), negated=True)
        if tok.is_word("INCLUDES", "EXCLUDES"):
            raise self.unsupported(tok.pos, f"{tok.text.upper()} (multi-select picklists)")
        raise self.unexpected(tok)

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        if self.peek().is_word("SELECT"):
            raise self.unsupported(self.peek().pos, "a semi-join subquery")
        values = [self.value("IN")]
        while self.at_punct(","):
            self.next()
            values.append(self.value("IN"))
        self.expect_punct(")")
        for v in values:
            if v.kind == "relative":
                raise self.unsupported(v.pos, f"the date literal {v.text} inside IN (...)")
        return tuple(values)

    def value(self, op: str) -> Literal:
        tok = self.next()
        if tok.kind == STRING:
            assert isinstance(tok.value, StringValue)
            if op != "LIKE" and tok.value.plain is None:
                raise error_at(
                    self.text,
                    tok.pos,
                    MALFORMED_QUERY,
                    f"Invalid string literal {tok.text}. The escapes \\% and \\_ are only valid in LIKE.",
                )
            return Literal("string", tok.value, tok.text, tok.pos)
        if tok.kind in (NUMBER, DATE, DATETIME):
            return Literal(tok.kind, tok.value, tok.text, tok.pos)
        if tok.kind == N_LITERAL:
            assert isinstance(tok.value, tuple)
            name, n = tok.value
            if name in RELATIVE_N_DATES:
                return Literal("relative", RelativeDate(name, n), tok.text, tok.pos)
            if name in _OTHER_N_DATE_LITERALS:
                raise self.unsupported(tok.pos, f"the date literal {tok.text}")
            raise self.unexpected(tok)
        if tok.kind == IDENT:
            word = tok.text.upper()
            if word in ("TRUE", "FALSE"):
                return Literal("boolean", word == "TRUE", tok.text, tok.pos)
            if word == "NULL":
                return Literal("null", None, tok.text, tok.pos)
            if word in RELATIVE_DATES:
                return Literal("relative", RelativeDate(word), tok.text, tok.pos)
            if word in _OTHER_DATE_LITERALS or word in _OTHER_N_DATE_LITERALS:
                raise self.unsupported(tok.pos, f"the date literal {tok.text}")
            if self.at_punct("("):
                raise self.unsupported(tok.pos, f"the function {tok.text}()")
        if tok.kind == PUNCT and tok.text == ":":
            raise self.unsupported(tok.pos, "a bind variable")
        raise self.unexpected(tok)
