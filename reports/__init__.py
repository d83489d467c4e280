"""Centralino's reports: figures from what happened, with no I/O (they import nothing of acd).

service_level.py  the service-level definitions (one implementation: the simulator, the
                  wallboard and the historical reports), occupancy
erlang.py         Erlang C staffing (``centralino erlang``)
periods.py        report periods and their intervals in the center's time zone
history.py        services by interval: offered, answered, abandoned, overflowed ...
agent_time.py     agents' time by interval, from their state changes
ivr_usage.py      IVR sessions: self-service, where callers left, languages
callbacks.py      callbacks: requested, completed, failed by cause, attempts, time to
                  completion, kept place against waited on the line
export.py         the reports as CSV for a spreadsheet in Italian
"""
