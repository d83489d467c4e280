"""The fail2ban filter of docs/fail2ban, applied to a log line the way fail2ban 1.0 does.

fail2ban reads the filter with its config parser (``%%`` is a ``%``), finds the time stamp
with ``datepattern`` and cuts it out of the line, then searches each ``failregex`` in what
is left, ``<HOST>`` standing for the address to ban. Here ``<HOST>`` is an IPv4 address in
the group ``host``. (Checked against fail2ban-regex 1.0.2 on the same lines.)
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

FILTER = Path(__file__).resolve().parents[2] / "docs/fail2ban/filter.d/centralino-asterisk.conf"
HOST = r"(?P<host>(?:\d{1,3}\.){3}\d{1,3})"
DATE_FIELDS = {"%Y": r"\d{4}", "%m": r"\d{2}", "%d": r"\d{2}", "%H": r"\d{2}", "%M": r"\d{2}",
               "%S": r"\d{2}", "%f": r"\d{1,6}"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fail2banFilter:
    date: re.Pattern[str]
    fail: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...]

    @classmethod
    def read(cls, path: Path = FILTER) -> Fail2banFilter:
        parser = configparser.ConfigParser()  # basic interpolation: '%%' -> '%'
        parser.read(path, encoding="utf-8")
        definition = parser["Definition"]
        date = definition["datepattern"]
        for field, pattern in DATE_FIELDS.items():
            date = date.replace(field, pattern)
        return cls(re.compile(date), _patterns(definition["failregex"]),
                   _patterns(definition.get("ignoreregex", "")))  # fmt: skip

    def host(self, line: str) -> str | None:
        """The address this line counts a failure against, or None."""
        stamp = self.date.search(line)
        if stamp is None:
            return None  # fail2ban skips a line without its time
        rest = line[: stamp.start()] + line[stamp.end() :]
        if any(regex.search(rest) for regex in self.ignore):
            return None
        found = (regex.search(rest) for regex in self.fail)
        return next((match["host"] for match in found if match), None)


def _patterns(value: str) -> tuple[re.Pattern[str], ...]:
    """One regex a line (a value may span lines), ``<HOST>`` an IPv4 address."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    return tuple(re.compile(line.replace("<HOST>", HOST)) for line in lines)
