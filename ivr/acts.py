"""Deposited acts ("deposito e ritiro atti"): reading the desk's CSV file, checking every row.

The file has a header line with ``number`` and ``deposited_on`` (``YYYY-MM-DD``) and,
optionally, ``addressee``. A number is what the notice shows and what the caller keys:
4 to 12 digits. Every bad row is reported with its line, and nothing is imported unless
all rows are good.

Errors::

    ActsFileError     the file as a whole, or one or more rows, cannot be taken
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

NUMBER = re.compile(r"^[0-9]{4,12}$")
REQUIRED = ("number", "deposited_on")


class ActsFileError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Act:
    number: str
    deposited_on: date
    addressee: str = ""


def parse_acts(text: str, name: str) -> list[Act]:
    """Every act of the CSV ``text``; ActsFileError lists each bad row as ``NAME:LINE: ...``."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ActsFileError([f"{name}:1: missing column(s) {', '.join(missing)}"])
    acts: list[Act] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            act = _act(row)
        except ValueError as exc:
            problems.append(f"{name}:{line}: {exc}")
            continue
        if act.number in seen:
            problems.append(f"{name}:{line}: act {act.number} is also on line {seen[act.number]}")
        seen.setdefault(act.number, line)
        acts.append(act)
    if problems:
        raise ActsFileError(problems)
    return acts


def _act(row: dict[str, str | None]) -> Act:
    number = (row.get("number") or "").strip()
    if not NUMBER.match(number):
        raise ValueError(f"act number must be 4 to 12 digits, got {number!r}")
    text = (row.get("deposited_on") or "").strip()
    try:
        deposited = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"deposited_on must be a date like 2026-11-28, got {text!r}") from None
    return Act(number, deposited, (row.get("addressee") or "").strip())
