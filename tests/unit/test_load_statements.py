"""bench/load.py's reading of pg_stat_statements: what ran between two readings."""

from __future__ import annotations

from bench.load import SHOWN_STATEMENTS, statements_between


def test_only_what_ran_between_the_readings_longest_first() -> None:
    before = {"1:True": (True, "INSERT INTO contacts", 10, 5.0, 1),
              "2:False": (False, "SELECT agent_interval_closed(p, r)", 4, 1.0, 1)}  # fmt: skip
    after = {"1:True": (True, "INSERT INTO contacts", 14, 9.0, 1),
             "2:False": (False, "SELECT agent_interval_closed(p, r)", 4, 1.0, 1),
             "3:False": (False, "SELECT contact_wrap_up", 2, 6.0, 2)}  # fmt: skip
    assert statements_between(before, after) == [
        {"toplevel": False, "statement": "SELECT contact_wrap_up", "runs": 2, "ms": 6.0,
         "plans": 2},
        {"toplevel": True, "statement": "INSERT INTO contacts", "runs": 4, "ms": 4.0,
         "plans": 0},
    ]  # fmt: skip


def test_at_most_a_dozen() -> None:
    after = {str(i): (True, f"q{i}", 1, float(i), 0) for i in range(30)}
    shown = statements_between({}, after)
    assert len(shown) == SHOWN_STATEMENTS
    assert shown[0]["statement"] == "q29"
