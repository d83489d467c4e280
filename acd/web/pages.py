"""HTML pages: one Jinja2 environment, and what every page gets (title, language, words,
who is signed in and its CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from aiohttp import web

from acd.web.auth import principal_of
from acd.web.texts import language, translator

# Package data, read through importlib so that an installed wheel serves it.
PAGES = jinja2.Environment(loader=jinja2.PackageLoader("acd.web", "templates"), autoescape=True)


@dataclass(frozen=True, slots=True)
class Site:
    title: str  # the center's name
    language: str  # the pages' language unless the user chooses
    agents: tuple[tuple[str, str], ...] = ()  # (id, name) of the configuration's agents


SITE = web.AppKey("site", Site)


def render(
    request: web.Request, template: str, status: int = 200, **values: object
) -> web.Response:
    site = request.app[SITE]
    lang = language(request, site.language)
    who = principal_of(request)
    html = PAGES.get_template(template).render(
        title=site.title, lang=lang, t=translator(lang), who=who,
        csrf=who.csrf if who is not None else "", **values,
    )  # fmt: skip
    headers = {"Cache-Control": "no-store"}  # pages may hold personal data and a CSRF token
    return web.Response(text=html, status=status, content_type="text/html", headers=headers)
