"""SOQL errors as Salesforce reports them: an error code and a message that points into the query.

Salesforce's REST API answers a bad query with 400 and `[{"message": ..., "errorCode": ...}]`; the
message quotes the offending line, puts a caret under the token and names its row and column
(shown here with its newlines):

    SELECT Id, Subject, From Task
                        ^
    ERROR at Row:1:Column:21
    unexpected token: 'From'
"""

from __future__ import annotations

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"

# How much of a long line the message quotes around the error, as Salesforce trims it.
_BEFORE = 35
_AFTER = 45


class SoqlError(Exception):
    """A query Salesforce would refuse. `message` is the full Salesforce-shaped text (with the
    snippet and position when known); `detail` is its last line, e.g. "unexpected token: 'From'"."""

    def __init__(
        self,
        error_code: str,
        message: str,
        *,
        detail: str | None = None,
        row: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.detail = message if detail is None else detail
        self.row = row
        self.column = column

    def to_json(self) -> list[dict[str, str]]:
        """The REST error body Salesforce sends with status 400."""
        return [{"message": self.message, "errorCode": self.error_code}]


def error_at(text: str, pos: int, error_code: str, detail: str) -> SoqlError:
    """An error located at character offset `pos` of the query `text` (pos may be len(text))."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    col = pos - line_start
    start = 0
    if col > _BEFORE:
        start = col - _BEFORE
        # Begin the snippet at a word boundary, as Salesforce does, but never past the error.
        for i in range(start, col):
            if line[i] in " ,\t":
                start = i + 1
                break
        while start < col and line[start] in " \t":
            start += 1
    end = min(len(line), col + _AFTER)
    while end < len(line) and not line[end].isspace():
        end += 1
    snippet = line[start:end]
    message = f"\n{snippet}\n{' ' * (col - start)}^\nERROR at Row:{row}:Column:{col + 1}\n{detail}"
    return SoqlError(error_code, message, detail=detail, row=row, column=col + 1)
