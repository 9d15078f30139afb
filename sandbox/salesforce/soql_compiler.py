"""`Query` -> one DuckDB SELECT over the store table `salesforce."<Object>"`, with Salesforce's
semantics and every literal a bound parameter.

Semantics kept from Salesforce:
- Names resolve case-insensitively to the canonical API names; unknown ones fail INVALID_TYPE /
  INVALID_FIELD; literal types must fit the field type (INVALID_FIELD otherwise).
- Text compares case-insensitively: lower() on both sides for =, !=, IN and LIKE; upper() for <, >
  and ORDER BY, as Salesforce collates by the upper-case UTF-8 value (English locale). Ids compare
  exactly; a 15-character id literal is widened to the stored 18-character form.
- null is a value, not SQL's unknown: `x != 'a'` and `x NOT IN ('a')` include rows where x is null,
  `x < 5` and `x LIKE 'a%'` do not, and NOT(...) is the exact complement. Each predicate is therefore
  compiled to a two-valued expression. A boolean field's null counts as false; an empty text literal
  matches null (Salesforce stores empty text as null).
- TODAY, LAST_N_DAYS:n, ... are ranges [start, end) relative to `now` in UTC; `=` means inside,
  `<` before the start, `>` at or after the end, `<=` before the end, `>=` at or after the start.
- query() hides the object's hidden flags (IsDeleted, IsArchived); queryAll() shows them.
- Rows come in ORDER BY order (ASC puts nulls first, DESC last, by default), then by Id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sandbox.salesforce.ids import to_18
from sandbox.salesforce.objects import SField, SObject, sobject
from sandbox.salesforce.soql_errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    INVALID_TYPE,
    MALFORMED_QUERY,
    SoqlError,
    error_at,
)
from sandbox.salesforce.soql_lexer import StringValue
from sandbox.salesforce.soql_parser import (
    And,
    Comparison,
    Condition,
    FieldRef,
    InList,
    Literal,
    Not,
    Or,
    Query,
    RelativeDate,
)

# Field type -> how it compares, and the type name Salesforce's messages use.
_TEXT = frozenset({"string", "textarea", "email", "phone", "picklist"})
_IDS = frozenset({"id", "reference"})
_NUMBERS = frozenset({"int", "double", "currency", "percent"})
_SOAP_TYPE = {"id": "id", "reference": "id", "boolean": "boolean", "int": "int", "date": "date"}
_SOAP_TYPE |= {"datetime": "dateTime", "double": "double", "currency": "double", "percent": "double"}
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_LIKE_ESCAPE = "ESCAPE '\\'"
_MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class CompiledQuery:
    """A query ready to run on the store: `cursor.execute(sql, params)`.

    `sql` already applies LIMIT and OFFSET and a total order. For a field query it returns the
    `fields` columns in SELECT order, typed as stored; for COUNT() (`count_only`) one row holding
    the count, and `fields` is empty."""

    sobject: SObject
    fields: tuple[SField, ...]
    sql: str
    params: list[object]
    count_only: bool
    limit: int | None
    offset: int | None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def compile_query(
    query: Query,
    *,
    include_deleted: bool,
    now: datetime,
    objects: Callable[[str], SObject | None] = sobject,
) -> CompiledQuery:
    """Resolve and type-check `query` against the org's objects (`objects`: name → object, e.g. an
    OrgCatalog's `get`) and translate it to DuckDB SQL. `include_deleted` is queryAll(); `now` anchors
    TODAY and friends (naive means UTC)."""
    return _Compiler(query, include_deleted=include_deleted, now=now, objects=objects).compile()


def _quote(name: str) -> str:
    # Only canonical API names from objects.py reach SQL text, never user spelling.
    return f'"{name}"'


class _Compiler:
    def __init__(
        self, query: Query, *, include_deleted: bool, now: datetime, objects: Callable[[str], SObject | None]
    ) -> None:
        self.q = query
        self.include_deleted = include_deleted
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        self.today = now.date()
        self.params: list[object] = []
        obj = objects(query.object_name)
        if obj is None:
            raise self.error(
                query.object_pos,
                INVALID_TYPE,
                f"sObject type '{query.object_name}' is not supported. If you are attempting to use a "
                "custom object, be sure to append the '__c' after the entity name. Please reference "
                "your WSDL or the describe call for the appropriate names.",
            )
        self.obj = obj

    def error(self, pos: int, code: str, detail: str) -> SoqlError:
        return error_at(self.q.text, pos, code, detail)

    def field(self, ref: FieldRef) -> SField:
        f = self.obj.field(ref.name)
        if f is None:
            raise self.error(
                ref.pos,
                INVALID_FIELD,
                f"No such column '{ref.name}' on entity '{self.obj.name}'. If you are attempting to use "
                "a custom field, be sure to append the '__c' after the custom field name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        return f

    # -- statement

    def compile(self) -> CompiledQuery:
        q = self.q
        fields: list[SField] = []
        for ref in q.fields:
            f = self.field(ref)
            if any(f.name == seen.name for seen in fields):
                raise self.error(ref.pos, INVALID_FIELD, f"duplicate field selected: {ref.name}")
            fields.append(f)

        table = f"salesforce.{_quote(self.obj.name)}"
        conds = []
        if not self.include_deleted:
            conds += [f"NOT coalesce({_quote(flag)}, false)" for flag in self.obj.hidden_flags]
        if q.where is not None:
            conds.append(self.condition(q.where))
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        order = self.order_by()
        page = ""
        if q.limit is not None:
            page += " LIMIT ?"
            self.params.append(q.limit)
        if q.offset is not None:
            page += " OFFSET ?"
            self.params.append(q.offset)

        if q.count_only:
            if page:
                sql = f"SELECT count(*) AS expr0 FROM (SELECT 1 FROM {table}{where}{page})"
            else:
                sql = f"SELECT count(*) AS expr0 FROM {table}{where}"
        else:
            columns = ", ".join(_quote(f.name) for f in fields)
            sql = f"SELECT {columns} FROM {table}{where} ORDER BY {order}{page}"
        return CompiledQuery(
            sobject=self.obj,
            fields=tuple(fields),
            sql=sql,
            params=self.params,
            count_only=q.count_only,
            limit=q.limit,
            offset=q.offset,
        )

    def order_by(self) -> str:
        parts = []
        has_id = False
        for item in self.q.order_by:
            f = self.field(item.field)
            if not f.sortable:
                raise self.error(
                    item.field.pos, INVALID_FIELD, f"field '{f.name}' can not be sorted in a query call"
                )
            has_id = has_id or f.name == "Id"
            expr = f"upper({_quote(f.name)})" if f.type in _TEXT else _quote(f.name)
            direction = "DESC" if item.descending else "ASC"
            parts.append(f"{expr} {direction} NULLS {'FIRST' if item.nulls_first else 'LAST'}")
        if not has_id:
            parts.append('"Id" ASC')
        return ", ".join(parts)

    # -- WHERE

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, And):
            return "(" + " AND ".join(self.condition(c) for c in cond.operands) + ")"
        if isinstance(cond, Or):
            return "(" + " OR ".join(self.condition(c) for c in cond.operands) + ")"
        if isinstance(cond, Not):
            return f"(NOT {self.condition(cond.operand)})"
        if isinstance(cond, InList):
            return self.in_list(cond)
        return self.comparison(cond)

    def filter_field(self, ref: FieldRef) -> SField:
        f = self.field(ref)
        if not f.filterable:
            raise self.error(ref.pos, INVALID_FIELD, f"field '{f.name}' can not be filtered in a query call")
        return f

    def bind(self, value: object) -> str:
        self.params.append(value)
        return "?"

    def comparison(self, c: Comparison) -> str:
        f = self.filter_field(c.field)
        col = _quote(f.name)
        lit = c.value
        if lit.kind == "null":
            if c.op not in ("=", "!="):
                raise self.error(lit.pos, MALFORMED_QUERY, f"null can only be compared with = or !=: {c.op}")
            if f.type == "boolean":  # a boolean's null matches false
                return f"coalesce({col}, false) = {'false' if c.op == '=' else 'true'}"
            return f"{col} IS {'NULL' if c.op == '=' else 'NOT NULL'}"
        if c.op == "LIKE":
            return self.like(f, c)
        if f.type == "boolean" and c.op not in ("=", "!="):
            raise self.invalid_operator(c.field, f)
        if lit.kind == "relative" and f.type in ("date", "datetime"):
            return self.in_range(f, c.op, lit)
        value = self.scalar(f, lit)
        op = "=" if c.op == "!=" else c.op  # != is compiled as NOT (=): null counts as different
        if f.type in _TEXT and value == "" and op == "=":
            positive = f"({col} IS NULL OR {col} = '')"
        elif f.type in _TEXT:
            # Salesforce collates text by the upper-case form (so '_' sorts after letters); ranges use
            # the same key as ORDER BY so that `Name > :last ORDER BY Name` pages consistently.
            fold = "lower" if op == "=" else "upper"
            positive = f"coalesce({fold}({col}) {op} {fold}({self.bind(value)}), false)"
        elif f.type == "boolean":
            positive = f"coalesce({col}, false) = {self.bind(value)}"
        else:
            positive = f"coalesce({col} {op} {self.bind(value)}, false)"
        return f"(NOT {positive})" if c.op == "!=" else positive

    def like(self, f: SField, c: Comparison) -> str:
        lit = c.value
        if f.type not in _TEXT:
            raise self.invalid_operator(c.field, f)
        if lit.kind != "string":
            raise self.type_mismatch(f, lit)
        assert isinstance(lit.value, StringValue)
        pattern = self.bind(lit.value.like)
        return f"coalesce(lower({_quote(f.name)}) LIKE lower({pattern}) {_LIKE_ESCAPE}, false)"

    def in_list(self, c: InList) -> str:
        f = self.filter_field(c.field)
        col = _quote(f.name)
        matches_null = False
        values = []
        for lit in c.values:
            if lit.kind == "null":
                matches_null = True
                if f.type == "boolean":
                    values.append(False)
                continue
            value = self.scalar(f, lit)
            if f.type in _TEXT and value == "":
                matches_null = True
            values.append(value)
        if f.type == "boolean":
            lhs, rhs = f"coalesce({col}, false)", ", ".join(self.bind(v) for v in values)
            positive = f"{lhs} IN ({rhs})"
        else:
            parts = []
            if matches_null:
                parts.append(f"{col} IS NULL")
            if values:
                if f.type in _TEXT:
                    rhs = ", ".join(f"lower({self.bind(v)})" for v in values)
                    parts.append(f"coalesce(lower({col}) IN ({rhs}), false)")
                else:
                    rhs = ", ".join(self.bind(v) for v in values)
                    parts.append(f"coalesce({col} IN ({rhs}), false)")
            positive = parts[0] if len(parts) == 1 else f"({' OR '.join(parts)})"
        return f"(NOT {positive})" if c.negated else positive

    def in_range(self, f: SField, op: str, lit: Literal) -> str:
        assert isinstance(lit.value, RelativeDate)
        start, end = self.date_range(lit)
        if f.type == "datetime":  # midnight UTC of each day
            start, end = datetime.combine(start, _MIDNIGHT), datetime.combine(end, _MIDNIGHT)
        col = _quote(f.name)
        if op in ("=", "!="):
            inside = f"coalesce({col} >= {self.bind(start)} AND {col} < {self.bind(end)}, false)"
            return inside if op == "=" else f"(NOT {inside})"
        bound, sql_op = {"<": (start, "<"), "<=": (end, "<"), ">": (end, ">="), ">=": (start, ">=")}[op]
        return f"coalesce({col} {sql_op} {self.bind(bound)}, false)"

    def date_range(self, lit: Literal) -> tuple[date, date]:
        """[first day, day after the last day) of a relative date literal."""
        rel = lit.value
        assert isinstance(rel, RelativeDate)
        day = timedelta(days=1)
        today = self.today
        try:
            if rel.name == "TODAY":
                return today, today + day
            if rel.name == "YESTERDAY":
                return today - day, today
            if rel.name == "TOMORROW":
                return today + day, today + 2 * day
            assert rel.n is not None
            if rel.name == "LAST_N_DAYS":  # the past n days and today
                return today - rel.n * day, today + day
            return today + day, today + (rel.n + 1) * day  # NEXT_N_DAYS: the n days after today
        except OverflowError:
            raise self.error(lit.pos, MALFORMED_QUERY, f"date literal out of range: {lit.text}") from None

    def scalar(self, f: SField, lit: Literal) -> object:
        """The literal as a parameter for a comparison with `f`, after Salesforce's type rules."""
        kind = lit.kind
        if f.type in _TEXT or f.type in _IDS:
            if kind != "string":
                raise self.type_mismatch(f, lit)
            assert isinstance(lit.value, StringValue)
            text = lit.value.plain
            assert text is not None  # the parser refuses \% and \_ outside LIKE
            if f.type in _IDS:
                if len(text) not in (15, 18) or not set(text) <= _ID_CHARS:
                    raise self.error(lit.pos, INVALID_QUERY_FILTER_OPERATOR, f"invalid ID field: {text}")
                return to_18(text)
            return text
        expected = {"boolean": "boolean", "date": "date", "datetime": "datetime"}.get(f.type, "number")
        if kind != expected or (kind == "number" and f.type not in _NUMBERS):
            raise self.type_mismatch(f, lit)
        return lit.value

    def type_mismatch(self, f: SField, lit: Literal) -> SoqlError:
        if f.type in _TEXT:
            detail = "must be of type string and should be enclosed in quotes"
        elif f.type in _IDS:
            detail = "must be of type id and should be enclosed in quotes"
        else:
            detail = f"must be of type {_SOAP_TYPE[f.type]} and should not be enclosed in quotes"
        return self.error(lit.pos, INVALID_FIELD, f"value of filter criterion for field '{f.name}' {detail}")

    def invalid_operator(self, ref: FieldRef, f: SField) -> SoqlError:
        soap = "string" if f.type in _TEXT else _SOAP_TYPE[f.type]
        return self.error(ref.pos, INVALID_QUERY_FILTER_OPERATOR, f"invalid operator on {soap} field")
