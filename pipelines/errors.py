"""The message a step reports for an exception: that of its root cause, which says what to change (a
connector's error naming the variable to fix, DuckDB's naming the column), not the wrapper's."""


def innermost_message(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error).strip() or type(error).__name__
