"""Checks of the kiosks that need the whole configuration: each kiosk's services exist and
are offered once, ids are unique, and a kiosk's PJSIP endpoint is no agent's or trunk's."""

from __future__ import annotations

from collections.abc import Iterator

from acd.config.model import CenterConfig, agent_sections

Path = tuple[str | int, ...]


def check_kiosks(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    taken = {name for owner in cfg.phone_owners() for name in agent_sections(owner)}
    taken |= {t.name for t in cfg.trunks or ()}
    seen: set[str] = set()
    for i, kiosk in enumerate(cfg.kiosks.totems):
        at: Path = ("kiosks", "totems", i)
        if kiosk.id in seen:
            yield (*at, "id"), f"kiosk {kiosk.id!r} is defined twice"
        elif kiosk.endpoint in taken or f"{kiosk.endpoint}-auth" in taken:
            yield (*at, "id"), f"{kiosk.endpoint!r} is taken by an agent's phones or a trunk"
        seen.add(kiosk.id)
        for j, service in enumerate(kiosk.services):
            if service not in cfg.services:
                yield (*at, "services", j), f"unknown service {service!r}"
            elif kiosk.services.index(service) != j:
                yield (*at, "services", j), f"service {service!r} is listed twice"
