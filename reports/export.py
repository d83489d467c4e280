"""The reports as CSV for a spreadsheet in Italian: what Excel set to Italian opens as
columns and numbers without an import dialogue.

- UTF-8 with a byte-order mark (without it Excel reads the file as Windows-1252 and the
  accents break);
- ``;`` between fields (the list separator of an Italian Windows; a comma is the decimal
  sign there) and a decimal comma (``12,5``); no thousands separator;
- Italian headers; times are local wall times (``2025-10-26 02:00``) with their UTC offset in
  a column of their own (``UTC+02:00``), so the two 02:00 of the day the clocks go back stay
  apart;
- seconds and percentages with one decimal; a figure with nothing to count is empty;
- a cell that would start with ``=``, ``+``, ``-`` or ``@`` (a name from the configuration)
  gets a leading apostrophe, so that a spreadsheet shows it rather than running it as a
  formula (no figure starts so: none is negative).

Each function returns the whole file as text, the mark included: write it as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from reports.agent_time import AgentFigures, AgentReport
from reports.callbacks import FAILED_OUTCOMES, RESULTS, CallbackFigures, CallbackReport
from reports.history import ServiceFigures, ServiceReport
from reports.ivr_usage import IvrFigures
from reports.periods import Grid, Interval, offset
from reports.service_level import Definition
from reports.staffing import StaffingReport

BOM = "\ufeff"
TOTAL = "Totale periodo"
# Each definition in words (Italian, English): for the CSV and the web page.
DEFINITION_WORDS: dict[Definition, tuple[str, str]] = {
    Definition.ANSWERED_ONLY: ("risposte entro T / risposte", "answered within T / answered"),
    Definition.WITH_ABANDONS: (
        "risposte entro T / (risposte + abbandoni dopo S)",
        "answered within T / (answered + abandoned after S)",
    ),
    Definition.WITH_EARLY_ABANDONS: (
        "(risposte + abbandoni entro T) / (risposte + abbandoni)",
        "(answered + abandoned within T) / (answered + abandoned)",
    ),
    Definition.QUEUE_REMOVAL: (
        "(risposte + abbandoni entro T) / offerte",
        "(answered + abandoned within T) / offered",
    ),
}
SERVICE_HEADERS = (
    "Servizio", "Nome servizio", "Inizio", "Fuso orario", "Offerte", "Risposte",
    "Risposte entro T", "Abbandonate", "di cui brevi", "Deviate", "Messaggio vocale", "Altre",
    "Livello di servizio (%)", "ASA (s)", "AHT (s)", "Attesa più lunga (s)", "T (s)",
    "Abbandono breve sotto (s)", "Livello di servizio calcolato come",
)  # fmt: skip
AGENT_HEADERS = ("Operatore", "Nome", "Inizio", "Fuso orario", "Collegato (s)",
                 "Pronto (s)", "In pausa (s)")  # fmt: skip
AGENT_TAIL = ("Squillo (s)", "In conversazione (s)", "Post-chiamata (s)", "Chiamate",
              "AHT (s)", "Occupazione (%)")  # fmt: skip
STAFFING_HEADERS = (
    "Servizio", "Nome servizio", "Inizio", "Fuso orario", "Offerte previste", "AHT previsto (s)",
    "Settimane della previsione", "Operatori consigliati", "Operatori presenti", "Offerte",
    "Livello di servizio (%)", "Obiettivo (%)", "T (s)",
)  # fmt: skip
ALL_SERVICES = "Tutti i servizi"
# A failed callback's cause and a call out's result, in the CSV's headers.
CALLBACK_OUTCOME_WORDS = {"callback-failed": "tentativi esauriti",
                          "callback-message": "messaggio lasciato",
                          "callback-refused": "numero non consentito"}  # fmt: skip
CALLBACK_RESULT_WORDS = {"answered": "risposta", "no-answer": "nessuna risposta",
                         "busy": "occupato", "failed": "errore",
                         "not-allowed": "numero non consentito",
                         "agent-left": "operatore uscito", "message": "messaggio"}  # fmt: skip
CALLBACK_HEADERS = (
    "Servizio", "Nome servizio", "Posto mantenuto", "Risposte in linea",
    "Posto mantenuto (%)", "Completate", "Non riuscite",
    *(f"Non riuscite: {CALLBACK_OUTCOME_WORDS[o]}" for o in FAILED_OUTCOMES), "Annullate",
    "In corso", "Chiamate al cittadino",
    *(f"Chiamate: {CALLBACK_RESULT_WORDS[r]}" for r in RESULTS),
    "Chiamate per richiamata completata", "Dalla richiesta alla risposta: media (s)",
    "mediana (s)", "90° percentile (s)",
)  # fmt: skip
IVR_HEADERS = ("Voce", "Albero", "Nodo", "Esito", "Lingua", "Sessioni", "Quota (%)")


def number(value: float | None, decimals: int = 1) -> str:
    """``12,5``: a decimal comma, no thousands separator; None is an empty cell."""
    return "" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def percent(value: float | None) -> str:
    return "" if value is None else number(value * 100)


def services_csv(reports: Sequence[ServiceReport], grid: Grid, names: Mapping[str, str]) -> str:
    def rows() -> Iterable[list[str]]:
        for r in reports:
            rule = (number(r.rule.seconds), number(r.rule.short_abandon_seconds),
                    DEFINITION_WORDS[r.rule.definition][0])  # fmt: skip
            head = [r.service, names.get(r.service, r.service)]
            for (start, zone), fig in zip(_starts(grid), r.intervals, strict=True):
                yield [*head, start, zone, *_service_cells(fig), *rule]
            yield [*head, TOTAL, "", *_service_cells(r.total), *rule]

    return _csv(SERVICE_HEADERS, rows())


def _service_cells(f: ServiceFigures) -> list[str]:
    counts = (f.offered, f.answered, f.answered_within, f.abandoned, f.short_abandons,
              f.overflowed, f.voicemail, f.other)  # fmt: skip
    return [*(str(n) for n in counts), percent(f.service_level), number(f.asa_seconds),
            number(f.aht_seconds), number(f.longest_wait_seconds)]  # fmt: skip


def agents_csv(reports: Sequence[AgentReport], grid: Grid, names: Mapping[str, str]) -> str:
    reasons = sorted({k for r in reports for k in r.total.paused_by_reason})
    headers = (*AGENT_HEADERS, *(f"Pausa: {reason or 'senza motivo'} (s)" for reason in reasons),
               *AGENT_TAIL)  # fmt: skip

    def rows() -> Iterable[list[str]]:
        for r in reports:
            head = [r.agent_id, names.get(r.agent_id, r.agent_id)]
            for (start, zone), fig in zip(_starts(grid), r.intervals, strict=True):
                yield [*head, start, zone, *_agent_cells(fig, reasons)]
            yield [*head, TOTAL, "", *_agent_cells(r.total, reasons)]

    return _csv(headers, rows())


def _agent_cells(f: AgentFigures, reasons: Sequence[str]) -> list[str]:
    times = (f.logged_in_seconds, f.ready_seconds, f.paused_seconds,
             *(f.paused_by_reason.get(reason, 0.0) for reason in reasons),
             f.ringing_seconds, f.talking_seconds, f.wrap_up_seconds)  # fmt: skip
    return [
        *(number(t, 0) for t in times),
        str(f.calls),
        number(f.aht_seconds),
        percent(f.occupancy),
    ]


def staffing_csv(reports: Sequence[StaffingReport], grid: Grid, names: Mapping[str, str]) -> str:
    """One row per service and interval (no total: advice does not add up over a day)."""

    def rows() -> Iterable[list[str]]:
        for r in reports:
            head = [r.service, names.get(r.service, r.service)]
            for (start, zone), row in zip(_starts(grid), r.rows, strict=True):
                f = row.forecast
                advised = "" if row.advised is None else str(row.advised)
                yield [*head, start, zone, number(f.offered), number(f.aht_seconds),
                       str(f.weeks), advised, number(row.staffed), str(row.offered),
                       percent(row.service_level), percent(row.target),
                       number(r.seconds)]  # fmt: skip

    return _csv(STAFFING_HEADERS, rows())


def callbacks_csv(reports: Sequence[CallbackReport], names: Mapping[str, str]) -> str:
    """One row per service, then every service's (``Tutti i servizi``) when there are
    several; the whole period's figures, no intervals."""

    def rows() -> Iterable[list[str]]:
        for r in reports:
            head = [r.service, names.get(r.service, r.service)] if r.service else [ALL_SERVICES, ""]
            yield [*head, *_callback_cells(r.figures)]

    return _csv(CALLBACK_HEADERS, rows())


def _callback_cells(f: CallbackFigures) -> list[str]:
    return [
        str(f.kept_place), str(f.on_the_line), percent(f.kept_place_share), str(f.completed),
        str(f.failed), *(str(f.outcomes[o]) for o in FAILED_OUTCOMES), str(f.cancelled),
        str(f.pending), str(f.attempts), *(str(f.results[r]) for r in RESULTS),
        number(f.attempts_per_completed, 2), number(f.mean_to_completion),
        number(f.p50_to_completion), number(f.p90_to_completion),
    ]  # fmt: skip


def ivr_csv(fig: IvrFigures) -> str:
    def share(n: int) -> str:
        return percent(n / fig.sessions if fig.sessions else None)

    def rows() -> Iterable[list[str]]:
        yield ["Sessioni", "", "", "", "", str(fig.sessions), share(fig.sessions)]
        for outcome, n in fig.outcomes.items():
            yield ["Esito", "", "", outcome, "", str(n), share(n)]
        for e in fig.exits:
            yield ["Uscita", e.tree, e.node, e.outcome, "", str(e.sessions), share(e.sessions)]
        for language, n in fig.languages.items():
            yield ["Lingua", "", "", "", language, str(n), share(n)]

    return _csv(IVR_HEADERS, rows())


def _starts(grid: Grid) -> Iterable[tuple[str, str]]:
    """Each interval's start (local wall time) and its UTC offset."""
    minutes = grid.interval in (Interval.QUARTER_HOUR, Interval.HOUR)
    for start in grid.starts:
        yield start.strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d"), f"UTC{offset(start)}"


def _csv(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_inert(cell) for cell in row] for row in rows)
    return BOM + out.getvalue()


def _inert(cell: str) -> str:
    """The cell as text a spreadsheet will not take for a formula."""
    return f"'{cell}" if cell.startswith(("=", "+", "-", "@")) else cell
