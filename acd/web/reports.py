"""The ``/reports`` page (supervisors): historical reports of services, agents, the IVR and
callbacks with their filters, tables, charts and a CSV download (``/reports/export.csv``, the same
query); the staffing advice, and ``/api/staffing`` (the next hours' advice as JSON).
The figures are ``acd.reporting``'s, the same as ``centralino report``'s.

A bad filter (an unknown service, a date that is none, a range the wrong way round or too
long) is a 400: the page says what is wrong in its language, above the form kept as it
was; the download answers one line of text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.config.model import CenterConfig
from acd.reporting import Kind, Report, csv_name, make_report, report_csv, report_request
from acd.staffing import Staffing, next_hours
from acd.store.reports import ReportStore
from acd.web.charts import Chart, bar_chart
from acd.web.errors import error_response
from acd.web.pages import SITE, render
from acd.web.personal_data import record_read
from acd.web.texts import TEXTS, language, translator
from reports.callbacks import FAILED_OUTCOMES, RESULTS
from reports.export import DEFINITION_WORDS
from reports.history import ServiceReport
from reports.periods import BadRequest, Interval

FIELDS = ("kind", "from", "to", "interval", "service", "agent")


@dataclass(frozen=True, slots=True)
class ReportSetup:
    cfg: CenterConfig
    store: ReportStore
    clock: Callable[[], datetime]


REPORTS = web.AppKey("reports", ReportSetup)


def form_values(query: Mapping[str, str], setup: ReportSetup) -> dict[str, str]:
    """The filters asked, or the defaults: services of today by hour."""
    today = setup.clock().astimezone(ZoneInfo(setup.cfg.center.timezone)).date().isoformat()
    defaults = {"kind": Kind.SERVICES.value, "from": today, "to": today,
                "interval": Interval.HOUR.value, "service": "", "agent": ""}  # fmt: skip
    return {name: query.get(name, default).strip() for name, default in defaults.items()}


async def page(request: web.Request) -> web.Response:
    setup = request.app[REPORTS]
    form = form_values(request.query, setup)
    lang = language(request, request.app[SITE].language)
    t = translator(lang)
    values: dict[str, Any] = {"form": form, "cfg": setup.cfg, "intervals": list(Interval),
                              "kinds": list(Kind), "query": urlencode(form)}  # fmt: skip
    try:
        report = await _report(setup, form)
    except BadRequest as exc:
        message = t(f"reports.bad.{exc.key}", **exc.values)
        return render(request, "reports.html", status=400, error=message, **values)
    view = _view(report, setup.cfg, t, italian=lang == "it")
    return render(request, "reports.html", report=report, view=view, **values)


async def download(request: web.Request) -> web.Response:
    setup = request.app[REPORTS]
    form = form_values(request.query, setup)
    try:
        report = await _report(setup, form)
    except BadRequest as exc:
        return web.Response(status=400, text=f"bad-request: {exc}\n")
    name = csv_name(report.request)
    asked = report.request
    record_read(request, "report.export", ("report", asked.kind.value), setup.clock(),
                {"file": name})  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "no-store"}  # fmt: skip
    body = report_csv(report, setup.cfg).encode("utf-8")
    return web.Response(body=body, content_type="text/csv", charset="utf-8", headers=headers)


async def staffing_api(request: web.Request) -> web.Response:
    """``GET /api/staffing?service=S&hours=2``: the advice for the quarter hours from now
    (``acd.staffing.next_hours``), for the wallboard; a bad filter is a 400."""
    setup = request.app[REPORTS]
    service = request.query.get("service", "").strip() or None
    hours = request.query.get("hours", "2").strip()
    try:
        advice = await next_hours(setup.store, setup.cfg, service, hours, setup.clock())
    except BadRequest as exc:
        return error_response(400, "bad-request", str(exc))
    return web.json_response(staffing_json(advice), headers={"Cache-Control": "no-store"})


def staffing_json(advice: Staffing) -> dict[str, Any]:
    """Each interval's start as an instant with its offset (``2025-10-31T09:00:00+01:00``)."""
    return {
        "interval": advice.grid.interval.value,
        "services": [
            {
                "service": r.service,
                "seconds": r.seconds,
                "target": r.target,
                "intervals": [
                    {
                        "start": row.start.isoformat(),
                        "forecast_offered": row.forecast.offered,
                        "forecast_aht_seconds": row.forecast.aht_seconds,
                        "forecast_weeks": row.forecast.weeks,
                        "advised": row.advised,
                        "staffed": row.staffed,
                        "offered": row.offered,
                        "service_level": row.service_level,
                    }
                    for row in r.rows
                ],
            }
            for r in advice.services
        ],
    }


async def _report(setup: ReportSetup, form: Mapping[str, str]) -> Report:
    request = report_request(setup.cfg, form["kind"], form["from"], form["to"],
                             form["interval"], form["service"], form["agent"])  # fmt: skip
    return await make_report(setup.store, setup.cfg, request, setup.clock())


def _view(
    report: Report, cfg: CenterConfig, t: Callable[..., str], italian: bool
) -> dict[str, Any]:
    """What the template needs beyond the report: words for the numbers, the charts."""
    return {
        "fmt": Numbers(italian, t("reports.no_reason")),
        "labels": [report.grid.label(i) for i in range(len(report.grid))],
        "charts": {r.service: _charts(r, report, t) for r in report.services},
        "definitions": {
            r.service: DEFINITION_WORDS[r.rule.definition][0 if italian else 1]
            for r in report.services
        },
        "names": {
            **{k: s.name for k, s in cfg.services.items()},
            **{a.id: a.name for a in cfg.agents},
        },
        "outcome": lambda name: _word(t, f"ivr_outcome.{name}", name),
        "failed_outcomes": FAILED_OUTCOMES,
        "results": RESULTS,
        "language": lambda code: _word(t, f"language.{code}", code),
    }


def _word(t: Callable[..., str], key: str, fallback: str) -> str:
    """The page's word for a label the data holds (an IVR outcome, a language), or the
    label itself for one the texts do not know."""
    return t(key) if key in TEXTS else fallback


def _charts(r: ServiceReport, report: Report, t: Callable[..., str]) -> list[Any]:
    grid = report.grid
    first, last = grid.label(0), grid.label(len(grid) - 1)
    counts = [f.offered for f in r.intervals]
    offered = [float(n) if n else None for n in counts]  # no calls: no bar
    levels = [None if f.service_level is None else f.service_level * 100 for f in r.intervals]
    known = [v for v in levels if v is not None]
    level_range = (t("reports.chart.range", low=f"{min(known):.0f} %", high=f"{max(known):.0f} %")
                   if known else t("reports.chart.empty"))  # fmt: skip
    return [
        bar_chart(Chart(f"chart-offered-{r.service}", t("reports.chart.offered"),
                        t("reports.chart.offered_desc", low=f"{min(counts):.0f}",
                          high=f"{max(counts):.0f}"), offered, first, last)),
        bar_chart(Chart(f"chart-level-{r.service}", t("reports.chart.level"), level_range,
                        levels, first, last, ceiling=100, unit=" %")),
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Numbers:
    """Figures as the page's language writes them (a decimal comma in Italian)."""

    italian: bool
    no_reason: str  # a pause without a reason

    def _decimal(self, text: str) -> str:
        return text.replace(".", ",") if self.italian else text

    def number(self, value: float) -> str:
        return self._decimal(f"{value:g}")

    def decimal(self, value: float | None) -> str:
        return "–" if value is None else self._decimal(f"{value:.1f}")

    def pct(self, value: float | None) -> str:
        return "–" if value is None else self._decimal(f"{value * 100:.1f}") + " %"

    def sec(self, value: float | None) -> str:
        return "–" if value is None else self._decimal(f"{value:.1f}") + " s"

    def decimal2(self, value: float | None) -> str:
        return "–" if value is None else self._decimal(f"{value:.2f}")

    def clock(self, seconds: float) -> str:
        whole = round(seconds)
        return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"

    def duration(self, seconds: float | None) -> str:
        return "–" if seconds is None else self.clock(seconds)
