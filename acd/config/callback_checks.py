"""Checks of the services' callbacks that need the whole configuration: the trunk exists
and may call out, the last call's prompt exists, the offer comes before the service's
maximum wait sends the caller elsewhere, and an IVR's ``schedule_callback`` node books into
a service that takes callbacks (its other names are ``ivr.checks``')."""

from __future__ import annotations

from collections.abc import Iterator

from acd.config.model import CenterConfig
from ivr.model import ScheduleCallbackNode

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]


def check_callbacks(cfg: CenterConfig) -> Found:
    trunks = {t.name: t for t in cfg.trunks_in_use()}
    for name, service in cfg.services.items():
        settings = service.callback
        if settings is None:
            continue
        at: Path = ("services", name, "callback")
        trunk = trunks.get(settings.trunk)
        if trunk is None:
            yield (*at, "trunk"), (f"unknown trunk {settings.trunk!r} (trunks: "
                                   f"{', '.join(sorted(trunks))})")  # fmt: skip
        elif not trunk.outbound:
            yield (*at, "trunk"), (f"trunk {settings.trunk!r} takes no call out: give it "
                                   "outbound patterns")  # fmt: skip
        if settings.message is not None and settings.message not in cfg.prompts:
            yield (*at, "message"), f"unknown prompt {settings.message!r}"
        wait, after = service.max_wait_seconds, settings.offer_after_seconds
        if wait is not None and after is not None and after >= wait:
            yield (*at, "offer_after_seconds"), (f"{after:g} s is not before the service's "
                                                 f"max_wait_seconds ({wait:g} s)")  # fmt: skip


def check_scheduling_nodes(cfg: CenterConfig) -> Found:
    for tree_name, tree in cfg.ivr.items():
        for name, node in tree.nodes.items():
            if not isinstance(node, ScheduleCallbackNode):
                continue
            service = cfg.services.get(node.service)
            if service is not None and service.callback is None:
                yield (("ivr", tree_name, "nodes", name, "service"),
                       f"service {node.service!r} takes no callbacks: give it a callback: "
                       "section")  # fmt: skip
