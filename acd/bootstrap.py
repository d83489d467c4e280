"""The composition root: every adapter is built and wired here, and nowhere else.

``Center`` owns the lifetime of the engine's parts: store, runtime (inbox + core),
AMI client, FastAGI server (IVR) and web server. Start order makes the store ready before
any call can be recorded; stop order drains the inbox and flushes the store last.

The FastAGI scripts: ``ivr`` (a new call: the IVR runner), ``announce`` (the wait loop's
place and wait) and ``voicemail`` (a queue's voicemail overflow: the IVR runner's message
flow, recorded into the same voice messages).

After every AMI login (the first one, a reconnect, an Asterisk restart) the channels are
read back (``CoreShowChannels``): the channel directory is rebuilt, callers waiting in the
queue loop that the engine does not know (after a restart) are taken back with their stored
contact (``acd.telephony.resume``), the core is told which agents' phones are registered
(``PhonesListed``, ``acd.telephony.phones``) and which channels live (``ChannelsListed``):
it ends what hung up unseen and only then offers calls again, to the phones that are there.

The live metrics' meter (``acd.meter``) gets each service's thresholds from the
configuration and, before the core takes its first event, the day's contacts and wrap-ups
from the store, so that today's figures and the wallboard's charts survive a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from acd.access.accounts import Accounts
from acd.access.kiosks import KioskCredentials
from acd.access.sessions import Sessions
from acd.access.throttle import LoginThrottle
from acd.access.tokens import Tokens
from acd.asterisk.paths import DEFAULT_CACHE, VOICE_MESSAGES, InstancePaths
from acd.audit import StoreAudit
from acd.config.model import FALLBACK_QUEUE, CenterConfig
from acd.config.rules import build_engine
from acd.core.callback import AttemptRecord, CallbackRecord
from acd.core.contact import Contact, EndCause
from acd.core.events import (
    CallbackResumed,
    CallerResumed,
    TelephonyLost,
    TelephonyReconnected,
    VoiceMessageLeft,
)
from acd.ivr_ports import (
    ActsLookup,
    CoreCallbacks,
    CoreReports,
    CoreScheduler,
    VoiceMessages,
    callback_dialable,
    hours_shift,
    ivr_clock,
)
from acd.kiosk_entry import KioskEntry, opening_hours
from acd.meter import Meter, Thresholds
from acd.privacy.numbers import Pseudonyms
from acd.privacy.purge import PurgeJob
from acd.restore import on_phone, restored
from acd.runtime import Runtime
from acd.store.accounts import AccountStore
from acd.store.audit import AuditStore
from acd.store.callbacks import CallbackStore, SaveCallbackAttemptOp, SaveCallbackOp
from acd.store.desk import DeskStore
from acd.store.embedded import resolve_database_url
from acd.store.errors import StoreError
from acd.store.ivr import CloseVoiceMessageOp, SaveWalkOp, ivr_store
from acd.store.kiosks import KioskCredentialStore
from acd.store.reports import ReportStore
from acd.store.sessions import SessionStore, TokenStore
from acd.store.store import Store
from acd.store.website_requests import WebsiteRequests
from acd.store.writer import (
    AppendEventOp,
    RecordAgentStateOp,
    SaveContactOp,
    StoreWriter,
    WriteOp,
)
from acd.telephony.actions import TelephonyActions
from acd.telephony.agi import AgiServer, AgiSession
from acd.telephony.ami import AmiClient
from acd.telephony.errors import AmiActionError, AmiError, ChannelGone, TelephonyError
from acd.telephony.kiosk_legs import KioskLegs, hang_up_kiosk
from acd.telephony.outbound import OutboundPolicy
from acd.telephony.phones import Phones, dial_contacts
from acd.telephony.queue_log import fallback_contacts
from acd.telephony.resume import (
    NotResumable,
    Talk,
    conversation,
    resumed,
    talks,
    waiting_callers,
)
from acd.telephony.translate import ChannelDirectory, channels_listed, translate
from acd.web.app import make_app
from acd.web.auth import Access
from acd.web.desk_api import DeskSetup
from acd.web.kiosk import KioskSetup
from acd.web.metrics import Health, make_registry
from acd.web.pages import Site
from acd.web.reports import ReportSetup
from acd.web.softphone import SipAccount, Softphones
from acd.web.tls import web_tls
from acd.web.website_callbacks import WebsiteCallbacks
from ivr.announce import Announcer
from ivr.runner import IvrPorts, IvrRunner, SoundPath
from ivr.walk import SavedWalk

log = logging.getLogger(__name__)
# The FastAGI scripts the dialplan runs (extensions.conf.j2): the server refuses any other.
AGI_SCRIPTS = ("ivr", "announce", "voicemail", "kiosk")


FALLBACK_POLL_SECONDS = 10.0  # how often queue_log is read again while the engine runs


def utc_now() -> datetime:
    return datetime.now(UTC)


def cached_web_tools() -> Path:
    """Where scripts/setup.sh installs the browser-side tools from npm and builds the JsSIP
    bundle: ``$CENTRALINO_CACHE/web-tools`` (the cache defaults to /var/cache/centralino)."""
    return Path(os.environ.get("CENTRALINO_CACHE") or DEFAULT_CACHE) / "web-tools"


def registering_phones(cfg: CenterConfig) -> dict[str, str]:
    """The agent of each phone that registers, by PJSIP endpoint: every softphone in a
    browser, and the desk phones without a fixed contact."""
    desks = {agent.id: agent.id for agent in cfg.agents if agent.contact is None}
    return {**desks, **{agent.web_endpoint: agent.id for agent in cfg.agents}}


def meter_for(cfg: CenterConfig) -> Meter:
    """The live metrics' meter: each service's T and S, the day in the center's time zone."""
    rules = {name: cfg.service_level_rule(name) for name in cfg.services}
    thresholds = {name: Thresholds(r.seconds, r.short_abandon_seconds, r.definition)
                  for name, r in rules.items()}  # fmt: skip
    return Meter(thresholds, ZoneInfo(cfg.center.timezone))


def outbound_policy(cfg: CenterConfig) -> OutboundPolicy:
    """The numbers the engine may dial over each trunk (``trunks[].outbound``)."""
    return OutboundPolicy.of({t.name: t.outbound for t in cfg.trunks_in_use()})


@dataclass
class Records:
    """The runtime's view of the store: writes are queued, never awaited in the core loop."""

    writer: StoreWriter

    def save_contact(self, contact: Contact) -> None:
        self._submit(SaveContactOp(contact))

    def append_event(self, at: datetime, kind: str, payload: dict[str, Any]) -> None:
        # (a voice message's event goes with its caller's contact: erased and
        # pseudonymised with it, docs/privacy.md)
        contact_id = (
            payload.get("call_id") or payload.get("channel_id") or payload.get("contact_id")
        )
        self._submit(AppendEventOp(at, kind, payload, contact_id))

    def record_agent_state(self, agent_id: str, state: str, reason: str, at: datetime) -> None:
        self._submit(RecordAgentStateOp(agent_id, state, reason, at))

    def save_callback(self, record: CallbackRecord) -> None:
        self._submit(SaveCallbackOp(record))

    def save_callback_attempt(self, record: AttemptRecord) -> None:
        self._submit(SaveCallbackAttemptOp(record))

    def close_voice_message(
        self, message_id: str, agent_id: str, disposition: str, at: datetime
    ) -> None:
        self._submit(CloseVoiceMessageOp(message_id, agent_id, disposition, at))

    def _submit(self, op: WriteOp) -> None:
        """Backpressure never reaches the core: a refused write is logged by the writer."""
        with contextlib.suppress(StoreError):
            self.writer.submit(op)


class Center:
    def __init__(
        self,
        cfg: CenterConfig,
        data_dir: Path,
        ami_secret: str,
        sound: SoundPath,
        instance: InstancePaths | None = None,  # where voice messages go; None: not recorded
        softphone_passwords: Mapping[str, str] | None = None,  # by agent; None: no softphone
        web_tools: Path | None = None,  # the npm tools setup built (None: the cache's)
    ) -> None:
        self.cfg = cfg
        self._kiosk_tasks: set[asyncio.Future[None]] = set()  # hang-ups of vanished kiosks
        self.instance = instance
        self.softphone_passwords = softphone_passwords or {}
        self.web_tools = web_tools or cached_web_tools()
        self.data_dir = data_dir
        self.ami_secret = ami_secret
        self.sound = sound
        prefix = "cz" + secrets.token_hex(4)
        self.engine = build_engine(cfg, prefix, hours_shift(utc_now), telephony_up=False)
        self.announcer = Announcer(self.engine.waiting_figures, sound, cfg.center.language,
                                   CoreCallbacks(self.engine.callback_offer, self._request,
                                                 outbound_policy(cfg), utc_now))  # fmt: skip
        self.meter = meter_for(cfg)
        self._stack = contextlib.AsyncExitStack()
        self.started_at = utc_now()
        self._left_open_closed = False  # the earlier runs' open contacts, once per start
        self._callbacks_taken_back = False  # the pending callbacks, once per start
        self._messages_taken_back = False  # the voice messages still to work, likewise

    async def start(self) -> None:
        """Start every part; whatever started is stopped again by ``stop`` (exit stack)."""
        stack = self._stack = contextlib.AsyncExitStack()
        dsn, embedded = await asyncio.to_thread(resolve_database_url, self.data_dir)
        if embedded is not None:
            stack.push_async_callback(asyncio.to_thread, embedded.stop)
        self.store = await Store.connect(dsn)
        stack.push_async_callback(self.store.close)
        self.writer = StoreWriter(self.store, spill_dir=self.data_dir)  # nothing lost
        stack.push_async_callback(self.writer.close)
        await self._count_today()
        purging = asyncio.ensure_future((await self._purge_job()).run_forever())
        stack.callback(purging.cancel)
        if self.instance is not None and self.cfg.fallback.enabled:
            recorder = asyncio.ensure_future(self._record_fallback_calls(self.instance))
            stack.callback(recorder.cancel)
        self.directory = ChannelDirectory(bounds=self.meter.bounds)
        self.phones = Phones(registering_phones(self.cfg))
        self.kiosk_legs = KioskLegs(k.endpoint for k in self.cfg.kiosks.totems)
        self.ami = AmiClient(
            "127.0.0.1",
            self.cfg.ports.ami,
            "centralino",
            self.ami_secret,
            on_event=self._on_ami_event,
            on_lost=self._on_ami_lost,
            on_connected=self._on_ami_connected,
        )
        actions = TelephonyActions(
            self.ami, self.directory, report=self._submit,
            sound=self.sound, language=self.cfg.center.language,
            outbound=outbound_policy(self.cfg),
        )  # fmt: skip
        self.runtime = Runtime(self.engine, utc_now, actions, Records(self.writer), self.meter,
                               telephony_backlog=self.cfg.limits.telephony_backlog)  # fmt: skip
        await self.runtime.start()
        stack.push_async_callback(self.runtime.close)
        stack.push_async_callback(self.runtime.stop_core)  # after AMI and FastAGI closed
        await self.ami.start()
        stack.push_async_callback(self.ami.close)
        ivr = IvrRunner(self.cfg, self._ivr_ports())
        self.agi = AgiServer("127.0.0.1", self.cfg.ports.agi, lambda s: self._serve(ivr, s),
                             scripts=AGI_SCRIPTS, max_sessions=self.cfg.limits.agi_sessions,
                             bounds=self.meter.bounds)  # fmt: skip
        await self.agi.start()
        stack.push_async_callback(self.agi.close)
        await self._start_web()
        # What the start made (modules, configuration, templates, the restored state: some
        # 100,000 objects, for life) is put out of the collector's reach. A full collection,
        # rare (none in a minute at 10 calls a second) but due as the day's objects pile up,
        # walked them all: 65-90 ms here, every call in the loop stalled meanwhile.
        gc.freeze()
        log.info("centralino: engine ready, web on %s", self.web_url)

    def _submit(self, event: Any) -> None:
        self.runtime.submit(event)

    async def _purge_job(self) -> PurgeJob:
        """The daily retention purge (``acd.privacy.purge``), beside the core, never in it."""
        pseudonyms = await asyncio.to_thread(Pseudonyms.of_data_dir, self.data_dir)
        spool = self.instance.host(*VOICE_MESSAGES) if self.instance is not None else None
        queue_log = self.instance.host("log", "queue_log") if self.instance is not None else None
        audit = StoreAudit(self.writer.submit, AuditStore(self.store.pool))
        return PurgeJob(self.store.pool, self.cfg.privacy, pseudonyms, spool,
                        ZoneInfo(self.cfg.center.timezone), utc_now, audit.record,
                        queue_log=queue_log)  # fmt: skip

    async def _request(self, event: Any) -> list[Any]:
        return await self.runtime.request(event)

    async def _record_fallback_calls(self, instance: InstancePaths) -> None:
        """The calls Asterisk's fallback queue took while the engine was away, recorded as
        contacts (``acd.telephony.queue_log``): read at the start, then every
        ``FALLBACK_POLL_SECONDS`` for those still talking then. Each contact is submitted
        again only when it changed; the upsert makes a repeat harmless anyway."""
        path = instance.host("log", "queue_log")
        service = self.cfg.fallback_service()
        submitted: dict[str, Contact] = {}
        while True:
            try:
                text = await asyncio.to_thread(path.read_text, "utf-8", "replace")
            except FileNotFoundError:
                text = ""
            except OSError as exc:
                log.warning("fallback queue's log not read: %s", exc)
                text = ""
            fresh = [c for c in fallback_contacts(text.splitlines(), FALLBACK_QUEUE, service)
                     if submitted.get(c.contact_id) != c]  # fmt: skip
            for contact in fresh:
                submitted[contact.contact_id] = contact
                with contextlib.suppress(StoreError):  # logged by the writer
                    self.writer.submit(SaveContactOp(contact))
            if fresh:
                log.info("%d call(s) of the fallback queue recorded", len(fresh))
            await asyncio.sleep(FALLBACK_POLL_SECONDS)

    async def _count_today(self) -> None:
        """The day's contacts, wrap-ups and callbacks ended into the meter (a restart keeps
        today's figures and the wallboard's charts)."""
        now = utc_now()
        midnight = now.astimezone(self.meter.zone).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)  # fmt: skip
        try:  # (closed at a stop: a waiting caller taken back would count twice)
            contacts = [c for c in await self.store.contacts_since(midnight)
                        if c.end_cause != EndCause.SYSTEM_STOP]  # fmt: skip
            wrap_ups = await self.store.wrap_ups_since(midnight)
            callbacks = await CallbackStore(self.store.pool).ended_since(midnight)
        except StoreError as exc:  # the figures start from now: not worth refusing to start
            log.warning("today's contacts not read for the metrics: %s", exc)
            return
        self.meter.restore(contacts, wrap_ups, midnight, now)
        for record in callbacks:
            self.meter.callback_saved(record)

    def _ivr_ports(self) -> IvrPorts:
        messages = None
        if self.instance is not None:
            spool = VOICE_MESSAGES
            messages = VoiceMessages(self.instance.host(*spool), self.instance.inside(*spool),
                                     self.writer, self._submit, next(iter(self.cfg.services)),
                                     self.store.contact)  # fmt: skip
        rules = {name: s.callback.rules() if s.callback is not None else None
                 for name, s in self.cfg.services.items()}  # fmt: skip
        return IvrPorts(CoreReports(self._submit), self.sound, ivr_clock(utc_now),
                        lookup=ActsLookup(ivr_store(self.store)),
                        estimate=self.engine.service_estimate,
                        save_walk=self._save_walk, messages=messages,
                        real_clock=utc_now,
                        callbacks=CoreScheduler(self._request, hours_shift(utc_now)),
                        dialable=callback_dialable(rules, outbound_policy(self.cfg)))  # fmt: skip

    def _kiosk_entry(self) -> KioskEntry:
        hours_clock = ivr_clock(utc_now)  # the IVR's opening hours' clock (CENTRALINO_FAKE_NOW)
        return KioskEntry(self.cfg.kiosks, opening_hours(self.cfg, hours_clock), self._submit,
                          utc_now, self.cfg.center.language)  # fmt: skip

    def _save_walk(self, walk: SavedWalk) -> None:
        self.writer.submit(SaveWalkOp(walk))

    async def _serve(self, ivr: IvrRunner, session: AgiSession) -> None:
        """One FastAGI session, by script (``AGI_SCRIPTS``: the server refuses others)."""
        if session.script == "announce":  # the wait loop's periodic place-and-wait message
            with contextlib.suppress(ChannelGone):
                await self.announcer.serve(session)
            return
        if session.script == "voicemail":  # a queue's overflow: a voice message, then bye
            await ivr.serve_voicemail(session, ChannelGone)
            return
        if session.script == "kiosk":  # a district totem's call (acd.kiosk_entry)
            with contextlib.suppress(ChannelGone):
                await self._kiosk_entry().serve(session)
            return
        with self.meter.ivr_session():  # the engine has it: no fallback queue
            await ivr.serve(session, ChannelGone, marks=(("CENTRALINO_ENGINE", "1"),))

    def _on_ami_event(self, message: dict[str, str]) -> None:
        self.directory.feed(message)
        event = translate(message, self.directory.seen) or self.phones.translate(message)
        if event is not None:
            self.runtime.submit(event)
        gone = self.kiosk_legs.seen(message)
        if gone is not None:
            wait = self.cfg.kiosks.gone_after_seconds
            asyncio.get_running_loop().call_later(wait, self._kiosk_gone, gone)

    def _kiosk_gone(self, ticket: int) -> None:
        """A kiosk not back ``kiosks.gone_after_seconds`` after its page vanished: its call,
        if any, is hung up (``acd.telephony.kiosk_legs``)."""
        endpoint = self.kiosk_legs.still_gone(ticket)
        if endpoint is None or not self.ami.connected:
            return
        task = asyncio.ensure_future(self._hang_up_kiosk(endpoint))
        self._kiosk_tasks.add(task)
        task.add_done_callback(self._kiosk_tasks.discard)

    async def _hang_up_kiosk(self, endpoint: str) -> None:
        try:
            await self.ami.send(hang_up_kiosk(endpoint))
        except AmiActionError:
            return  # no channel: the kiosk had no call
        except AmiError as exc:
            log.warning("kiosk %s gone, its call not hung up: %s", endpoint, exc)
            return
        log.info("kiosk %s gone for %g s without a goodbye: its call hung up", endpoint,
                 self.cfg.kiosks.gone_after_seconds)  # fmt: skip

    def _on_ami_lost(self, detail: str) -> None:
        self.runtime.submit(TelephonyLost(detail))

    def _on_ami_connected(self) -> None:
        """After every login: forget channel names and learn them again from Asterisk.

        ``TelephonyReconnected`` goes on the inbox before the channels are asked for, so
        the core checks only the calls it knew then: one that arrives over FastAGI while
        the list is on its way is not taken for gone.
        """
        self.directory.clear()
        self.runtime.submit(TelephonyReconnected())
        task = asyncio.ensure_future(self._resync_channels())
        self._resync = task  # keep a reference until it ends

    async def _resync_channels(self) -> None:
        channels = await self._list_channels()
        if channels is None:
            return  # the connection dropped again: the next login starts over
        for message in channels:
            self.directory.feed(message)
        phones = await self._list_phones()
        if phones is None:
            return
        await self._resume_waiting(channels)
        self.runtime.submit(self.phones.listed(phones))  # events seen meanwhile win
        listed = channels_listed(channels)
        if not self._left_open_closed:  # the first listing: agents back as they were
            await self._restore_agents(channels, listed.agent_legs)
        await self._resume_talks(channels)  # after the agents: they come back on the call
        if not self._callbacks_taken_back:  # and the pending callbacks at their place
            self._callbacks_taken_back = await self._resume_callbacks()
        if not self._messages_taken_back:  # and the voice messages still to work
            self._messages_taken_back = await self._resume_voice_messages()
        self.runtime.submit(listed)  # (it hangs up the earlier run's rings in flight)
        if not self._left_open_closed:
            self._left_open_closed = await self._close_left_open(listed.live)

    async def _restore_agents(
        self, channels: list[dict[str, str]], rings_in_flight: frozenset[str]
    ) -> None:
        """Agents' logins, states and pause reasons as an earlier run left them
        (``acd.restore``): before ``ChannelsListed``, so nothing is offered until then. A
        leg of an earlier run's ring in flight does not keep its agent off the queue: the
        core hangs it up."""
        if any(self.engine.agent_view(a.id).state != "logged_out" for a in self.cfg.agents):
            return  # someone logged in already: this run's own state wins
        try:
            last = await self.store.last_agent_states([a.id for a in self.cfg.agents],
                                                      self.started_at)  # fmt: skip
            stopped_at = await self.store.last_activity(self.started_at)
        except StoreError as exc:
            log.warning("agents' states not taken back: %s", exc)
            return
        talking = [ch for ch in channels if ch.get("Uniqueid") not in rings_in_flight]
        busy = on_phone(talking, self._agents_by_endpoint())
        events = restored(last, stopped_at, utc_now(), self.cfg.pause_reasons,
                          {a: True for a in busy})  # fmt: skip
        for event in events:
            self.runtime.submit(event)
        if events:
            log.info("agents taken back as they were: %d event(s)", len(events))

    def _agents_by_endpoint(self) -> dict[str, str]:
        """Every agent's phones: the desk phone (its endpoint is the agent's id), the web."""
        return {**{a.id: a.id for a in self.cfg.agents}, **registering_phones(self.cfg)}

    async def _resume_talks(self, channels: list[dict[str, str]]) -> None:
        """Take back the conversations the engine does not know (``acd.telephony.resume``):
        after a restart, every caller still talking with an agent, or on hold with it."""
        found, problems = talks(channels, self._agents_by_endpoint())
        for problem in problems:
            log.error("conversation not taken back, left alone: %s", problem)
        for talk in found:
            call_id, leg = talk.caller["Uniqueid"], talk.agent_leg["Uniqueid"]
            if self.engine.call_view(call_id) is not None:
                continue  # a reconnect: the engine has it
            try:
                record = await self.store.contact(call_id)
            except StoreError as exc:
                log.warning("contact %s not read back (%s): resumed from the channels",
                            call_id, exc)  # fmt: skip
                record = None
            try:
                event = conversation(talk, record, utc_now())
            except NotResumable as exc:
                log.error("conversation %s with %s not taken back, left alone: %s", call_id,
                          talk.agent_id, exc)  # fmt: skip
                continue
            if self.directory.hung_up(call_id) or self.directory.hung_up(leg):
                continue  # its Hangup is in the inbox already
            log.info("taking back %s's talk %s (%s)%s", talk.agent_id, call_id,
                     event.service, " on hold" if talk.held else "")  # fmt: skip
            self.runtime.submit(event)
            if talk.colleague_leg:
                await self._end_consultation(talk)

    async def _end_consultation(self, talk: Talk) -> None:
        """A consultation found at a start is not taken back: the colleague's leg is hung up,
        the agent's leg waits on hold again with its caller (``acd.telephony.resume``)."""
        log.info("%s's consultation on %s ended by the restart: the colleague's leg hung up, "
                 "the call on hold", talk.agent_id, talk.caller["Uniqueid"])  # fmt: skip
        try:
            await self.ami.send({"Action": "Hangup", "Channel": talk.colleague_leg,
                                 "Cause": "16"})  # fmt: skip
        except AmiError as exc:
            log.warning("the colleague's leg %s not hung up: %s", talk.colleague_leg, exc)

    async def _resume_callbacks(self) -> bool:
        """The callbacks an earlier run left pending (``callbacks``, migration 018), back
        into their queues at their place, the longest waiting first. True once done."""
        try:
            pending = await CallbackStore(self.store.pool).pending()
            contacts = [await self.store.contact(p.record.call_id) for p in pending]
        except StoreError as exc:  # the next login tries again
            log.warning("pending callbacks not taken back yet: %s", exc)
            return False
        for found, contact in zip(pending, contacts, strict=True):
            self.runtime.submit(CallbackResumed(found.record, found.entered_at, contact))
        if pending:
            log.info("%d pending callback(s) taken back at their place", len(pending))
        return True

    async def _resume_voice_messages(self) -> bool:
        """The voice messages an earlier run left unhandled (migration 028), back into
        their queues at their place (the core says which it knows already, or whose
        service the center lacks now). True once done."""
        try:
            found = await ivr_store(self.store).unhandled_voice_messages()
        except StoreError as exc:  # the next login tries again
            log.warning("voice messages to work not taken back yet: %s", exc)
            return False
        for m in found:
            if self.engine.call_view(m.name) is None:
                event = VoiceMessageLeft(m.name, m.contact_id, m.service, m.caller,
                                         m.recorded_at, m.ivr_path, m.language)  # fmt: skip
                self.runtime.submit(event)
        if found:
            log.info("%d voice message(s) to work taken back into their queues", len(found))
        return True

    async def _close_left_open(self, live: frozenset[str]) -> bool:
        """Contacts an earlier run left open (a crash, a write lost) whose channel is gone
        from Asterisk: closed with cause ``engine-restart``. True once done."""
        closed: list[Contact] = []
        try:
            while batch := await self.store.close_unended(
                live, self.started_at, utc_now(), EndCause.ENGINE_RESTART
            ):
                closed += batch
        except StoreError as exc:  # the next login tries again
            log.warning("contacts left open by an earlier run not closed: %s", exc)
            return False
        for contact in closed:
            self.meter.contact_saved(contact)
        if closed:
            log.warning("%d contact(s) left open by an earlier run were closed (gone from "
                        "Asterisk)", len(closed))  # fmt: skip
        return True

    async def _list_channels(self) -> list[dict[str, str]] | None:
        """CoreShowChannels, asked again every 2 s while it fails and AMI stays up."""
        while self.ami.connected:
            try:
                return await self.ami.send({"Action": "CoreShowChannels"}, timeout=10)
            except TelephonyError as exc:
                log.warning("could not list channels after AMI login (calls wait): %s", exc)
            await asyncio.sleep(2)
        return None

    async def _list_phones(self) -> dict[str, str] | None:
        """Each registering phone's reachable contacts ("" for none), asked again every 2 s
        while it fails and AMI stays up."""
        while self.ami.connected:
            try:
                return await self._ask_phones(self.phones.listing())
            except TelephonyError as exc:
                log.warning("could not list the agents' phones after AMI login: %s", exc)
            await asyncio.sleep(2)
        return None

    async def _ask_phones(self, endpoints: list[str], at_once: int = 20) -> dict[str, str]:
        """A few Getvars at a time, not a thousand at once."""
        answers: dict[str, str] = {}
        for start in range(0, len(endpoints), at_once):
            batch = endpoints[start : start + at_once]
            replies = await asyncio.gather(*(self.ami.send(dial_contacts(p)) for p in batch))
            answers.update((p, r[0].get("Value", "")) for p, r in zip(batch, replies, strict=True))
        return answers

    async def _resume_waiting(self, channels: list[dict[str, str]]) -> None:
        """Take back the callers waiting in the queue loop that the engine does not know.

        On every login: after a restart that is every waiting caller; after a reconnect of a
        running engine, only those queued while AMI was away (the core ignores known calls).
        Oldest entry first, so that equal keys keep their order.
        """
        found = []
        for channel in waiting_callers(channels):
            if self.engine.call_view(channel["Uniqueid"]) is None:
                with contextlib.suppress(NotResumable):
                    found.append(await self._resumed(channel))
        for event in sorted(found, key=lambda ev: ev.entered_at):
            if not self.directory.hung_up(event.call_id):  # (its Hangup is in the inbox)
                log.info("taking back %s (%s), waiting in %s since %s", event.call_id,
                         event.channel, event.service, event.entered_at.isoformat())  # fmt: skip
                self.runtime.submit(event)

    async def _resumed(self, channel: Mapping[str, str]) -> CallerResumed:
        uniqueid = channel["Uniqueid"]
        try:
            record = await self.store.contact(uniqueid)
        except StoreError as exc:  # the channel's variables are enough
            log.warning("contact %s not read back (%s): resumed from the channel", uniqueid, exc)
            record = None
        try:
            return resumed(channel, record)
        except NotResumable as exc:
            log.error("waiting caller %s (%s) not taken back, left on hold: %s",
                      uniqueid, channel.get("Channel", ""), exc)  # fmt: skip
            raise

    async def _website_callbacks(self) -> WebsiteCallbacks:
        """The website's API (``/api/v1/callbacks``): the engine, the receipts, the key of
        the numbers' pseudonyms, the trunks' outbound rules."""
        pseudonyms = await asyncio.to_thread(Pseudonyms.of_data_dir, self.data_dir)
        return WebsiteCallbacks(self.cfg, self.runtime, WebsiteRequests(self.store.pool),
                                CallbackStore(self.store.pool), pseudonyms,
                                outbound_policy(self.cfg), self.writer.flush)  # fmt: skip

    async def _start_web(self) -> None:
        writer = self.writer
        health = Health(lambda: self.ami.connected, lambda: writer.database_available,
                        lambda: writer.backlog)  # fmt: skip
        registry = make_registry(self.runtime, health)
        checks = {"telephony": lambda: self.ami.connected, "core": self.runtime.alive}
        network = self.cfg.network.web
        tls = await asyncio.to_thread(web_tls, network, self.data_dir)
        access = self._access(tls is not None)
        agents = tuple((agent.id, agent.name) for agent in self.cfg.agents)
        site_info = Site(self.cfg.center.name, self.cfg.center.language, agents)
        desk_setup = DeskSetup(self.cfg, DeskStore(self.store.pool))
        report_setup = ReportSetup(self.cfg, ReportStore(self.store.pool), self.runtime.clock)
        audit = StoreAudit(self.writer.submit, AuditStore(self.store.pool))
        app = make_app(self.runtime, site_info, registry, access, desk_setup, report_setup,
                       self._softphones(), checks, self._store_health, audit,
                       self._kiosk_setup(), await self._website_callbacks())  # fmt: skip
        self.web_runner = web.AppRunner(app, access_log=None)
        await self.web_runner.setup()
        self._stack.push_async_callback(self.web_runner.cleanup)
        bind = str(network.bind)
        context = tls.context if tls is not None else None
        await web.TCPSite(self.web_runner, bind, self.cfg.ports.web, ssl_context=context).start()
        self.web_url = f"{'https' if tls else 'http'}://{bind}:{self.cfg.ports.web}/"
        if tls is not None:
            made = "made for this center" if tls.generated else "configured"
            log.warning("web TLS certificate (%s) %s, SHA-256 fingerprint %s", made, tls.cert,
                        tls.fingerprint)  # fmt: skip

    def _store_health(self) -> dict[str, Any]:
        w = self.writer
        return {"database": w.database_available, "writer_backlog": w.backlog,
                "spilled": w.spilled}  # fmt: skip

    def _softphones(self) -> Softphones:
        """Each agent's and supervisor's softphone account, Asterisk's SIP websocket, the
        JsSIP bundle."""
        people = [(a.id, a.web_endpoint, a.name) for a in self.cfg.agents]
        people += [(s.id, s.web_endpoint, s.name) for s in self.cfg.supervisors]
        accounts = {
            owner: SipAccount(endpoint, password, name)
            for owner, endpoint, name in people
            if (password := self.softphone_passwords.get(owner))
        }
        pbx = f"ws://127.0.0.1:{self.cfg.ports.asterisk_http}/ws"
        return Softphones(accounts, pbx, self.web_tools / "dist")

    def _kiosk_setup(self) -> KioskSetup:
        """The totems' page: their SIP accounts (kept with the softphones' passwords, by
        endpoint), the services' names and hours, the IVR's reading of them."""
        accounts = {
            k.id: SipAccount(k.endpoint, password, k.place)
            for k in self.cfg.kiosks.totems
            if (password := self.softphone_passwords.get(k.endpoint))
        }
        services = {name: s.name for name, s in self.cfg.services.items()}
        hours = {
            name: {str(d): t for d, t in s.hours.items()}
            for name, s in self.cfg.services.items()
            if s.hours
        }
        open_now = opening_hours(self.cfg, ivr_clock(utc_now))
        return KioskSetup(self.cfg.kiosks, services, hours, open_now, accounts)

    def _access(self, tls: bool) -> Access:
        network, pool = self.cfg.network.web, self.store.pool
        accounts = Accounts(AccountStore(pool), [agent.id for agent in self.cfg.agents])
        sessions = Sessions(SessionStore(pool), timedelta(minutes=network.session_idle_minutes),
                            timedelta(hours=network.session_hours))  # fmt: skip
        kiosks = KioskCredentials(KioskCredentialStore(pool),
                                  lambda k: self.cfg.kiosks.kiosk(k) is not None)  # fmt: skip
        return Access(accounts, sessions, Tokens(TokenStore(pool)), LoginThrottle(), network,
                      utc_now, tls, kiosks)  # fmt: skip

    async def stop(self) -> None:
        """Stop in reverse order: web, FastAGI, AMI, core, then flush the store."""
        await self._stack.aclose()
