"""Render the Asterisk configuration of an instance from the center's configuration.

The templates are ``asterisk-conf/templates/*.j2`` in the repository, package data
``acd/asterisk/conf/templates`` through a link (pyproject.toml says why); each renders one
file of the instance's ``etc/``. Everything binds to 127.0.0.1 on the ports of ``cfg.ports``,
but SIP and RTP, which bind to ``network.sip.bind`` (127.0.0.1 by default).
Asterisk runs as the root's ``asterisk`` account (``account``): the files are written
root-owned, 0644, and the files that hold secrets 0640, for the group only: manager.conf
(the AMI secret) and pjsip.conf (the agents' SIP passwords, the registration trunks'
passwords). ``ownership`` then gives them the group ``asterisk``, in a directory only that
group may enter.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import jinja2

from acd.asterisk.account import GROUP, USER
from acd.asterisk.errors import AsteriskError
from acd.asterisk.paths import INSTANCE_DIRS, InstancePaths
from acd.asterisk.prompts import prompt_path
from acd.config.kiosk_model import KIOSK_CONTEXT
from acd.config.model import FALLBACK_QUEUE, CenterConfig
from acd.config.trunk_model import IpTrunk, RegistrationTrunk
from acd.telephony.translate import EVENTS_NARROWED, EVENTS_USED

CONF_DIR: Traversable = resources.files("acd.asterisk") / "conf"  # asterisk-conf/
PRIVATE = frozenset({"manager.conf", "pjsip.conf"})  # they hold secrets


def render_config(
    cfg: CenterConfig,
    instance: InstancePaths,
    ami_secret: str,
    agent_passwords: Mapping[str, str],
    trunk_passwords: Mapping[str, str] | None = None,
    softphone_passwords: Mapping[str, str] | None = None,
) -> None:
    """Write every ``*.conf`` of the instance (and create its directories).

    ``agent_passwords`` holds each agent's SIP password (``Asterisk.agent_passwords()``),
    ``trunk_passwords`` each registration trunk's (``Asterisk.trunk_passwords()``),
    ``softphone_passwords`` each agent's browser softphone's
    (``Asterisk.softphone_passwords()``; without them no softphone can register).
    """
    make_instance_dirs(instance)
    env = _environment()
    context = _context(cfg, instance, ami_secret, agent_passwords)
    context["trunk_passwords"] = _escaped(cfg, trunk_passwords or {})
    context["web_passwords"] = _softphone(cfg, softphone_passwords)
    context["kiosk_passwords"] = _kiosk_phones(cfg, softphone_passwords)
    for name in sorted(env.list_templates(extensions=["j2"])):
        target = name.removesuffix(".j2")
        text = env.get_template(name).render(context)
        _write(instance.host("etc", target), text, 0o640 if target in PRIVATE else 0o644)


def make_instance_dirs(instance: InstancePaths) -> None:
    """Root's until ``ownership.hand_over``: nobody else may look in meanwhile."""
    for part in INSTANCE_DIRS:
        path = instance.host(part)
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o750)


def citizen_extensions(cfg: CenterConfig) -> list[str]:
    """Every public number, then any other number (``_X.``) and no number at all (``s``)."""
    return [n.number for n in cfg.numbers] + ["_X.", "s"]


def trunk_extensions(cfg: CenterConfig, trunk: IpTrunk | RegistrationTrunk) -> list[str]:
    """The numbers a trunk's calls may reach the IVR on: its DIDs; the local trunk of a center
    without ``trunks:`` also any other number and none, as every call did before trunks."""
    return list(trunk.dids) + (["_X.", "s"] if cfg.trunks is None else [])


def media_address(cfg: CenterConfig) -> str | None:
    """Where RTP listens: the SIP bind address, or every address when SIP binds to all."""
    bind = cfg.network.sip.bind
    return None if bind.is_unspecified else str(bind)


def _escaped(cfg: CenterConfig, passwords: Mapping[str, str]) -> dict[str, str]:
    """Each registration trunk's password, ready for pjsip.conf (where ';' starts a comment)."""
    escaped = {}
    for trunk in cfg.trunks_in_use():
        if isinstance(trunk, RegistrationTrunk):
            if trunk.name not in passwords:
                raise AsteriskError(f"no password for trunk {trunk.name!r}")
            escaped[trunk.name] = passwords[trunk.name].replace(";", "\\;")
    return escaped


def _softphone(cfg: CenterConfig, passwords: Mapping[str, str] | None) -> dict[str, str]:
    """Each agent's and supervisor's softphone password; without them, one nobody knows,
    made now: the softphone endpoints exist, but nothing can register to them until the
    next start."""
    given = passwords or {}
    return {owner: given.get(owner) or secrets.token_urlsafe(24) for owner in cfg.phone_owners()}


def _kiosk_phones(cfg: CenterConfig, passwords: Mapping[str, str] | None) -> dict[str, str]:
    """Each kiosk's SIP password, by its endpoint (kept with the softphones'); without one,
    as for a softphone, one nobody knows."""
    given = passwords or {}
    endpoints = [kiosk.endpoint for kiosk in cfg.kiosks.totems]
    return {name: given.get(name) or secrets.token_urlsafe(24) for name in endpoints}


def kiosk_extensions(cfg: CenterConfig) -> list[str]:
    """The numbers a kiosk may call: the services some kiosk offers (which ones this kiosk
    offers, and whether they are open, the engine checks when the call arrives)."""
    return list(dict.fromkeys(s for kiosk in cfg.kiosks.totems for s in kiosk.services))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("acd.asterisk", "conf/templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _context(
    cfg: CenterConfig,
    instance: InstancePaths,
    ami_secret: str,
    agent_passwords: Mapping[str, str],
) -> dict[str, object]:
    return {
        "center": cfg.center,
        "ports": cfg.ports,
        "routing": cfg.routing,
        "agents": cfg.agents,
        "supervisors": cfg.supervisors,
        "citizen_extens": citizen_extensions(cfg),
        "inst": instance,
        "ami_secret": ami_secret,
        "agent_passwords": agent_passwords,
        "outside": cfg.outside,
        "run_as": {"user": USER, "group": GROUP},
        # the engine's AMI user gets these only, some only with one header's value
        "ami_events": sorted(EVENTS_USED - EVENTS_NARROWED.keys()),
        "ami_narrowed": sorted(EVENTS_NARROWED.items()),
        "sip": cfg.network.sip,
        "media_address": media_address(cfg),
        "trunks": cfg.trunks_in_use(),
        "trunk_extens": {t.name: trunk_extensions(cfg, t) for t in cfg.trunks_in_use()},
        "fallback": cfg.fallback,
        "fallback_queue": FALLBACK_QUEUE,
        "fallback_members": cfg.fallback_members(),
        "fallback_announcement": _announcement(cfg, instance),
        "kiosks": cfg.kiosks.totems,
        "kiosk_context": KIOSK_CONTEXT,
        "kiosk_extens": kiosk_extensions(cfg),
    }


def _announcement(cfg: CenterConfig, instance: InstancePaths) -> str | None:
    """The fallback's announcement as Playback() names it (the prompt's file, no suffix)."""
    name = cfg.fallback.announcement
    return None if name is None else prompt_path(instance, cfg.center.language, name)


def _write(path: Path, text: str, mode: int) -> None:
    """Write atomically with an explicit mode (the umask must not matter)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
