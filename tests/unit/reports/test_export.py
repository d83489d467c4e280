"""The CSV an Italian Excel opens as it is: BOM, semicolons, decimal commas, quoting."""

from __future__ import annotations

from datetime import timedelta

from reports.callbacks import CallbackRow, callback_reports
from reports.export import BOM, callbacks_csv, ivr_csv, number, percent, services_csv
from reports.history import Counted, ServiceReport, service_figures
from reports.ivr_usage import IvrSession, ivr_figures
from reports.periods import Interval, grid, period
from reports.service_level import Definition, Rule
from tests.reports_fixture import ROME


def test_numbers_have_a_decimal_comma_and_nothing_is_an_empty_cell() -> None:
    assert (number(1234.56), number(7, 0), number(None), percent(0.4)) == (
        "1234,6",
        "7",
        "",
        "40,0",
    )


def test_a_service_csv_has_a_row_per_interval_and_a_total_quoting_what_needs_it() -> None:
    days = grid(period("2025-11-03", "2025-11-04", ROME), Interval.DAY)
    rule = Rule(20, 5, Definition.ANSWERED_ONLY)
    fig = service_figures([Counted("urp", 12.25, "answered", 60, 0)], rule)
    empty = service_figures([], rule)
    text = services_csv([ServiceReport("urp", rule, (fig, empty), fig)], days,
                        {"urp": 'URP; "Piazza Grande"'})  # fmt: skip
    assert text.startswith(BOM)
    header, first, second, total, end = text[1:].split("\r\n")
    assert header.split(";")[:5] == ["Servizio", "Nome servizio", "Inizio", "Fuso orario",
                                     "Offerte"]  # fmt: skip
    name = '"URP; ""Piazza Grande"""'  # a separator or a quote in a cell: quoted, doubled
    assert first == (f"urp;{name};2025-11-03;UTC+01:00;1;1;1;0;0;0;0;0;100,0;12,2;60,0;12,2;"
                     "20,0;5,0;risposte entro T / risposte")  # fmt: skip
    assert second.startswith(f"urp;{name};2025-11-04;UTC+01:00;0;0;0;0;0;0;0;0;;;;;20,0;")
    assert total.startswith(f"urp;{name};Totale periodo;;1;")
    assert end == ""


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_kept_as_text() -> None:
    days = grid(period("2025-11-03", "2025-11-03", ROME), Interval.DAY)
    empty = service_figures([], Rule(20))
    text = services_csv([ServiceReport("urp", Rule(20), (empty,), empty)], days,
                        {"urp": "=HYPERLINK(\"http://x\")"})  # fmt: skip
    assert text.split("\r\n")[1].startswith(
        'urp;"\'=HYPERLINK(""http://x"")";2025-11-03;UTC+01:00;'
    )


def test_the_ivr_csv_is_one_long_table() -> None:
    fig = ivr_figures([IvrSession("main", "menu", "ivr-hangup", "it"),
                       IvrSession("main", "to-urp", "queued", "en")])  # fmt: skip
    rows = ivr_csv(fig)[1:].split("\r\n")
    assert rows[:2] == ["Voce;Albero;Nodo;Esito;Lingua;Sessioni;Quota (%)", "Sessioni;;;;;2;100,0"]
    assert "Uscita;main;menu;ivr-hangup;;1;50,0" in rows
    assert "Lingua;;;;it;1;50,0" in rows
    assert fig.self_service_share == 0.0


def test_the_callbacks_csv_has_a_row_per_service_then_every_services() -> None:
    asked = period("2025-11-03", "2025-11-03", ROME).start
    rows = [CallbackRow("urp", asked, "answered", ("busy", "answered"),
                        asked + timedelta(seconds=600.25)),
            CallbackRow("urp", asked, "callback-message", ("no-answer", "message"), None),
            CallbackRow("giovani", asked, None, (), None)]  # fmt: skip
    reports = callback_reports(rows, ["urp", "giovani"], {"urp": 6})
    header, urp, giovani, every, end = callbacks_csv(reports, {"urp": "URP"})[1:].split("\r\n")
    assert header.split(";")[:8] == [
        "Servizio", "Nome servizio", "Posto mantenuto", "Risposte in linea",
        "Posto mantenuto (%)", "Completate", "Non riuscite",
        "Non riuscite: tentativi esauriti"]  # fmt: skip
    assert header.endswith(";mediana (s);90° percentile (s)")
    # requested 2, on the line 6 (25 %), completed 1, failed 1 (0 + 1 message + 0), cancelled
    # 0, pending 0, 4 calls out (1 answered, 1 no answer, 1 busy, 1 message), 2 per completed
    assert urp == "urp;URP;2;6;25,0;1;1;0;1;0;0;0;4;1;1;1;0;0;0;1;2,00;600,2;600,2;600,2"
    assert giovani == "giovani;giovani;1;0;100,0;0;0;0;0;0;0;1;0;0;0;0;0;0;0;0;;;;"
    assert every.startswith("Tutti i servizi;;3;6;33,3;1;1;")
    assert end == ""
