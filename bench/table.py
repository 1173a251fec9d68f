"""Plain-text tables: a title line, a header, a rule, right-aligned numbers."""
from __future__ import annotations

from typing import Any


def cell(value: Any, digits: int = 1) -> str:
    """Format one value: floats with ``digits`` decimals, None as '-', the rest as str."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(title: str, headers: list[str], rows: list[list[Any]],
           digits: int | list[int] = 1, note: str = "") -> str:
    """Return the table as text; numeric columns are right-aligned. ``digits`` is one
    number for every column or one per column."""
    per = digits if isinstance(digits, list) else [digits] * len(headers)
    text = [[cell(v, per[i]) for i, v in enumerate(row)] for row in rows]
    widths = [len(h) for h in headers]
    for row in text:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and rows
               for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    out = [title, line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in text]
    if note:
        out.append(note)
    return "\n".join(out) + "\n"


def show(title: str, headers: list[str], rows: list[list[Any]],
         digits: int | list[int] = 1, note: str = "") -> None:
    """Print the table, followed by a blank line."""
    print(render(title, headers, rows, digits, note), flush=True)
