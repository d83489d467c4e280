"""A citizen's data on a real PostgreSQL (acd/privacy, acd/store/privacy.py): the retention
purge with a fake clock (an old contact pseudonymised, its recording and digits gone, the
reports' counts unchanged, a recent contact untouched), the engine's daily job (its pass in
batches of its size, queue_log trimmed, one audit entry; a database away: logged, nothing
recorded), the export and erasure of a number
found in every table, their audit entries, the append-only logs still refusing anyone but
the purge, and the command line's refusals of bad input."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from acd.cli import main
from acd.config.privacy_model import Privacy
from acd.privacy.numbers import Pseudonyms
from acd.privacy.purge import PurgeJob, purge
from acd.privacy.requests import erase, export
from acd.store.audit import AuditEntry, AuditQuery, AuditStore, insert_entry
from acd.store.privacy import CallbackPending, Callbacks, Subject, find_contacts
from acd.store.store import Store, upsert_contact
from tests.integration.store.helpers import T0, fetch, full_contact, run_async

NUMBER = "+390591234567"
OTHER = "+390599999999"
KIOSK = "kiosk:q1-centro"
KEY = Pseudonyms(b"k" * 32)
NOW = T0 + timedelta(days=100)  # the fake clock: the old contact is 100 days old
OLD, RECENT, STRANGER = "1700000000.1", "1700000000.2", "1700000000.3"
RETENTION = {"numbers_in_clear_days": 90, "recordings_days": 30, "ivr_digits_days": 30,
             "history_days": 365, "batch": 10}  # fmt: skip
PRIVACY = Privacy.model_validate(RETENTION)
COUNTED = "SELECT sum(offered), sum(answered) FROM service_intervals"


def seeded(dsn: str, spool: Path) -> None:
    """NUMBER in every table: an old contact (100 days) and a recent one (1 day), with
    events, an IVR walk with an act number, a voice message, notes, audit entries; and
    a stranger's recent contact."""
    spool.mkdir(mode=0o700, exist_ok=True)
    (spool / "msg-old.wav").write_bytes(b"RIFF-old")
    (spool / "msg-recent.wav").write_bytes(b"RIFF-recent")

    async def go() -> None:
        store = await Store.connect(dsn)
        try:
            async with store.pool.acquire() as conn:
                await _seed(conn, spool)
        finally:
            await store.close()

    run_async(go())


async def _seed(conn: asyncpg.Connection, spool: Path) -> None:
    recent = T0 + timedelta(days=99)
    for cid, at, number in ((OLD, T0, NUMBER), (RECENT, recent, NUMBER),
                            (STRANGER, recent, OTHER)):  # fmt: skip
        c = full_contact(cid)
        shift = at - c.started_at
        await upsert_contact(conn, replace(
            c, caller_number=number, started_at=at, entered_queue_at=c.entered_queue_at
            and c.entered_queue_at + shift, answered_at=c.answered_at and c.answered_at + shift,
            ended_at=c.ended_at and c.ended_at + shift))  # fmt: skip
        await conn.execute("UPDATE contacts SET disposition = 'reclamo', notes = $2 "
                           "WHERE contact_id = $1", cid, f"note about {cid}")  # fmt: skip
        await conn.execute(
            "INSERT INTO contact_events (at, contact_id, kind, payload) VALUES "
            "($1, $2, 'CallArrived', $3::jsonb), ($1, $2, 'HungUp', '{\"channel_id\": \"x\"}')",
            at, cid, json.dumps({"call_id": cid, "caller_number": number, "dialled_number": "059"}),
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO ivr_sessions VALUES ($1, 'main', 'it', 'queued', 'anagrafe', $2, $2)",
            cid, at,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO ivr_steps VALUES ($1, 1, $2, 'main', 'menu', '2', ''), "
            "($1, 2, $2, 'main', 'act', '123456', 'found')",
            cid, at,
        )  # fmt: skip
        entry = AuditEntry(at, "agent1", "agent", "contact.read", "contact", cid)
        await insert_entry(conn, entry, None)
        await conn.execute(  # an ended callback to the caller, and its attempt
            "INSERT INTO callbacks VALUES ($1, 'urp', $2, 'it', 1, '', $3, 'done', 1, NULL, "
            "'agent1', 'callback-answered', $3)",
            cid, number, at,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO callback_attempts (call_id, attempt, agent_id, started_at, ended_at, "
            "result) VALUES ($1, 1, 'agent1', $2, $2, 'answered')",
            cid, at,
        )  # fmt: skip
    await conn.execute("INSERT INTO api_tokens VALUES ('website1', 'sito', 'callbacks', "
                       "'\\x00', $1, NULL, NULL)", T0)  # fmt: skip
    for cid, number in ((RECENT, NUMBER), (STRANGER, OTHER)):  # the website asked for them
        await conn.execute(
            "INSERT INTO web_callback_requests VALUES ('website1', $1, $1, true, $2, 'd', 201, "
            "'{}', $3)",
            cid, KEY.of(number), recent,
        )  # fmt: skip
    for cid, name, at in ((OLD, "msg-old", T0), (RECENT, "msg-recent", recent)):
        await conn.execute(
            "INSERT INTO voice_messages (contact_id, caller, file, recorded_at) "
            "VALUES ($1, $2, $3, $4)",
            cid, NUMBER, str(spool / f"{name}.wav"), at,
        )  # fmt: skip


def everything(dsn: str) -> str:
    """Every row of every table with personal data, as one text to search."""
    tables = ("contacts", "contact_handlings", "contact_events", "ivr_steps", "voice_messages",
              "callbacks", "callback_attempts", "audit_log", "web_callback_requests")  # fmt: skip
    rows = [r for t in tables for r in run_async(fetch(dsn, f"SELECT * FROM {t}"))]
    return "\n".join(repr(dict(r)) for r in rows)


def with_pool(dsn: str, work: Any) -> Any:
    async def go() -> Any:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
        try:
            return await work(pool)
        finally:
            await pool.close()

    return run_async(go())


def one(dsn: str, sql: str, *args: object) -> Any:
    return run_async(fetch(dsn, sql, *args))[0]


def test_purge_pseudonymises_old_contacts_and_keeps_the_reports_counts(
    dsn: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    seeded(dsn, spool)
    counted = tuple(one(dsn, COUNTED))
    done = with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, NOW, spool, pause=0))

    pseudonym = KEY.of(NUMBER)
    numbers = dict(run_async(fetch(dsn, "SELECT contact_id, caller_number FROM contacts")))
    assert numbers == {OLD: pseudonym, RECENT: NUMBER, STRANGER: OTHER}
    called = dict(run_async(fetch(dsn, "SELECT call_id, number FROM callbacks")))
    assert called == {OLD: pseudonym, RECENT: NUMBER, STRANGER: OTHER}
    payloads = run_async(fetch(dsn, "SELECT contact_id, payload FROM contact_events "
                                    "WHERE kind = 'CallArrived'"))  # fmt: skip
    assert {r["contact_id"]: json.loads(r["payload"])["caller_number"] for r in payloads} == {
        OLD: pseudonym, RECENT: NUMBER, STRANGER: OTHER}  # fmt: skip
    keyed = run_async(fetch(dsn, "SELECT contact_id, entered FROM ivr_steps WHERE seq = 2"))
    assert dict(keyed) == {OLD: "", RECENT: "123456", STRANGER: "123456"}
    messages = dict(run_async(fetch(dsn, "SELECT contact_id, file FROM voice_messages")))
    assert messages[OLD] == ""
    assert messages[RECENT].endswith("msg-recent.wav")
    assert sorted(p.name for p in spool.iterdir()) == ["msg-recent.wav"]
    assert tuple(one(dsn, COUNTED)) == counted  # the reports count the same
    assert done["contacts.pseudonymised"] == 1
    assert done["recordings.deleted"] == 1
    # A second pass finds nothing left; the repeat caller is still one caller.
    assert with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, NOW, spool, pause=0)) == {}
    later = NOW + timedelta(days=2)  # RECENT is 3 days old: past a 1-day retention
    short = PRIVACY.model_copy(update={"numbers_in_clear_days": 1})
    with_pool(dsn, lambda pool: purge(pool, short, KEY, later, spool, pause=0))
    same = one(dsn, "SELECT count(DISTINCT caller_number) FROM contacts WHERE contact_id <> $1",
               STRANGER)  # fmt: skip
    assert same[0] == 1


def test_purge_leaves_a_totems_origin_which_is_no_citizens_number(dsn: str) -> None:
    """A district totem's contact (caller kiosk:ID) stays countable by kiosk: the purge
    pseudonymises citizens' numbers only (docs/kiosk.md, reports/kiosks.py)."""

    async def seed() -> None:
        store = await Store.connect(dsn)  # the schema made
        try:
            async with store.pool.acquire() as conn:
                contact = replace(full_contact("kiosk.1"), caller_number=KIOSK)
                await upsert_contact(conn, contact)
        finally:
            await store.close()

    run_async(seed())
    done = with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, NOW, None, pause=0))
    assert "contacts.pseudonymised" not in done
    assert one(dsn, "SELECT caller_number FROM contacts")[0] == KIOSK


def test_history_and_audit_past_their_retention_are_deleted(dsn: str, tmp_path: Path) -> None:
    seeded(dsn, tmp_path / "spool")
    much_later = T0 + timedelta(days=400)  # OLD past the 365 days of history, not the audit
    done = with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, much_later, None, pause=0))
    assert done["contact_events.expired"] == 2
    assert done["contacts.expired"] == 1
    assert "audit_log.expired" not in done
    left = run_async(fetch(dsn, "SELECT DISTINCT contact_id FROM contact_events"))
    assert {r[0] for r in left} == {RECENT, STRANGER}
    assert one(dsn, "SELECT notes FROM contacts WHERE contact_id = $1", OLD)[0] is None
    audit_past = T0 + timedelta(days=PRIVACY.audit_days + 1)
    with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, audit_past, None, pause=0))
    kept = run_async(fetch(dsn, "SELECT target_id FROM audit_log"))
    assert {r[0] for r in kept} == {RECENT, STRANGER}


def test_the_logs_stay_append_only_for_everyone_but_the_purge(dsn: str, tmp_path: Path) -> None:
    seeded(dsn, tmp_path / "spool")
    for sql in ("DELETE FROM contact_events", "UPDATE audit_log SET actor = 'x'",
                "DELETE FROM audit_log", "TRUNCATE contact_events"):  # fmt: skip
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            run_async(fetch(dsn, sql))


def test_export_writes_every_table_and_the_recordings(dsn: str, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    seeded(dsn, spool)
    with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, NOW, spool, pause=0))  # OLD hashed
    out = tmp_path / "export.zip"
    counts = with_pool(dsn, lambda pool: export(pool, NUMBER, KEY, spool, out, NOW))
    assert counts == {"contacts": 2, "contact_events": 4, "ivr_steps": 4, "voice_messages": 2,
                      "web_callback_requests": 1, "callbacks": 2, "audit_log": 2,
                      "recordings": 1}  # fmt: skip
    assert out.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        contacts = json.loads(z.read("contacts.json"))
        readme = z.read("LEGGIMI.txt").decode()
        audio = z.read("voice-messages/msg-recent.wav")
    assert {"contacts.json", "contact_events.json", "ivr_steps.json", "voice_messages.json",
            "audit_log.json", "LEGGIMI.txt"} <= names  # fmt: skip
    assert {c["contact_id"] for c in contacts} == {OLD, RECENT}  # the hashed one found too
    assert contacts[0]["notes"] == f"note about {OLD}"
    assert contacts[0]["handlings"]
    assert NUMBER in readme
    assert audio == b"RIFF-recent"
    with pytest.raises(Exception, match="exists already"):
        with_pool(dsn, lambda pool: export(pool, NUMBER, KEY, spool, out, NOW))


def test_erase_leaves_nothing_of_the_number_and_the_counts_unchanged(
    dsn: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    seeded(dsn, spool)
    with_pool(dsn, lambda pool: purge(pool, PRIVACY, KEY, NOW, spool, pause=0))
    counted = tuple(one(dsn, COUNTED))
    queue_log = tmp_path / "queue_log"  # a call of the number's that the fallback took
    queue_log.write_text(f"1764000000|9.9|centralino-fallback|NONE|ENTERQUEUE|059|{NUMBER}|1\n"
                         "1764000060|9.9|centralino-fallback|NONE|ABANDON|1|1|60\n")  # fmt: skip
    counts = with_pool(dsn, lambda pool: erase(pool, NUMBER, KEY, spool, queue_log=queue_log))
    # (the old contact's digits went with the purge: the recent one's two steps are left)
    assert counts == {"queue_log": 2, "contacts": 2, "contact_events": 4, "ivr_steps": 2,
                      "voice_messages": 2, "web_callback_requests": 1, "callbacks": 2,
                      "audit_log": 0, "recordings": 1}  # fmt: skip
    assert queue_log.read_text() == ""
    text = everything(dsn)
    for gone in (NUMBER, KEY.of(NUMBER), f"note about {OLD}", f"note about {RECENT}"):
        assert gone not in text
    assert OTHER in text
    assert f"note about {STRANGER}" in text
    assert list(spool.iterdir()) == []
    assert tuple(one(dsn, COUNTED)) == counted
    assert len(run_async(fetch(dsn, "SELECT 1 FROM ivr_steps"))) == 6  # the walks' shape kept


def test_commands_refuse_bad_input_and_audit_what_they_do(
    dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spool = tmp_path / "spool"
    seeded(dsn, spool)
    monkeypatch.setenv("CENTRALINO_DATABASE_URL", dsn)
    data = ["--data-dir", str(tmp_path), "--spool", str(spool)]
    before = everything(dsn)
    assert main(["privacy", "erase", "059-abc", "--yes", *data]) == 2
    assert "not a phone number" in capsys.readouterr().err
    assert main(["privacy", "erase", NUMBER, *data]) == 2  # no --yes
    assert main(["privacy", "export", "12", *data]) == 2
    assert everything(dsn) == before
    out = tmp_path / "a.zip"
    assert main(["privacy", "export", "+39 059 123 4567", "--out", str(out), *data]) == 0
    assert main(["privacy", "export", NUMBER, "--out", str(out), *data]) == 2  # exists
    assert main(["privacy", "erase", "0039 059 1234567", "--yes", *data]) == 0
    assert "contacts 2" in capsys.readouterr().out
    pseudonym = Pseudonyms.of_data_dir(tmp_path).of(NUMBER)
    entries = with_pool(dsn, lambda pool: _citizen_entries(pool, pseudonym))
    assert [e.action for e in entries] == ["privacy.erase", "privacy.export"]
    assert entries[0].role == "command"
    assert entries[0].detail["contacts"] == 2
    assert NUMBER not in repr(entries)
    assert (tmp_path / "privacy.key").stat().st_mode & 0o777 == 0o600


async def _citizen_entries(pool: asyncpg.Pool, pseudonym: str) -> list[AuditEntry]:
    return await AuditStore(pool).find(AuditQuery(target_kind="citizen", target_id=pseudonym))


class CountingPool:
    """The pool, counting the connections the purge takes: one per batch, each its own
    short transaction (``acd.privacy.purge``)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool, self.batches = pool, 0

    def acquire(self) -> Any:
        self.batches += 1
        return self.pool.acquire()


def fallback_call(at: datetime, uid: str, number: str) -> str:
    """queue_log's lines of a call the fallback queue answered (acd.telephony.queue_log)."""
    t, q = int(at.timestamp()), "centralino-fallback"
    return (f"{t}|{uid}|{q}|NONE|ENTERQUEUE|059|{number}|1\n"
            f"{t + 5}|{uid}|{q}|agent1|CONNECT|5|x|1\n"
            f"{t + 60}|{uid}|{q}|agent1|COMPLETECALLER|5|55|1\n")  # fmt: skip


def test_the_daily_job_runs_a_pass_in_batches_of_its_size_and_audits_it(
    dsn: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    seeded(dsn, spool)
    run_async(fetch(dsn, "UPDATE contact_handlings SET notes = 'call back' RETURNING 1"))
    later = T0 + timedelta(days=400)  # OLD past the history; every number past 90 days
    queue_log = tmp_path / "queue_log"
    queue_log.write_text(fallback_call(T0, "9.1", NUMBER) + fallback_call(later, "9.2", OTHER))
    recorded: list[AuditEntry] = []
    one_by_one = PRIVACY.model_copy(update={"batch": 1})

    async def go(pool: asyncpg.Pool) -> tuple[dict[str, int], int]:
        counting = CountingPool(pool)
        job = PurgeJob(counting, one_by_one, KEY, spool, ZoneInfo("Europe/Rome"),
                       lambda: later, recorded.append, queue_log=queue_log, pause=0)  # fmt: skip
        return await job.run_once(), counting.batches

    counts, batches = with_pool(dsn, go)
    assert counts == {"contacts.pseudonymised": 3, "contact_events.pseudonymised": 3,
                      "voice_messages.pseudonymised": 2, "callbacks.pseudonymised": 3,
                      "contacts.expired": 2,
                      "contact_events.expired": 2, "ivr_steps.expired": 6,
                      "voice_messages.expired": 2, "recordings.deleted": 2,
                      "web_callback_requests.expired": 2, "queue_log.expired": 3}  # fmt: skip
    # One row a batch: 3 numbers + an empty batch; then per table its rows + an empty batch
    # (contacts: its note and its handling's note in one batch; callbacks: nothing left;
    # the website's requests: both, two days old long ago).
    assert batches == 4 + 2 + 3 + 7 + 3 + 3 + 1 + 1
    assert one(dsn, "SELECT count(*) FROM contact_handlings WHERE notes IS NOT NULL")[0] == 2
    assert queue_log.read_text() == fallback_call(later, "9.2", OTHER)
    assert [(e.actor, e.role, e.action, e.target_kind) for e in recorded] == [
        ("centralino", "system", "privacy.purge", "retention")]  # fmt: skip
    assert recorded[0].target_id == later.date().isoformat()
    assert recorded[0].detail == counts


def test_the_daily_job_that_cannot_reach_the_database_logs_it_and_records_nothing(
    dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorded: list[AuditEntry] = []

    async def go() -> dict[str, int]:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
        await pool.close()  # gone: the database away at the purge's hour
        job = PurgeJob(pool, PRIVACY, KEY, None, ZoneInfo("Europe/Rome"), lambda: NOW,
                       recorded.append, pause=0)  # fmt: skip
        return await job.run_once()

    assert run_async(go()) == {}
    assert recorded == []
    assert "privacy purge stopped, tried again at the next run" in caplog.text


def test_erase_is_refused_while_a_callback_to_the_number_is_pending(
    dsn: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    seeded(dsn, spool)
    run_async(fetch(dsn, "UPDATE callbacks SET state = 'waiting', outcome = NULL, "
                         "ended_at = NULL WHERE call_id = $1", RECENT))  # fmt: skip
    before = everything(dsn)
    with pytest.raises(CallbackPending, match=f"pending \\({RECENT}\\): cancel it"):
        with_pool(dsn, lambda pool: erase(pool, NUMBER, KEY, spool))
    assert everything(dsn) == before
    exported = with_pool(dsn, lambda pool: export_rows(pool, NUMBER))
    assert {r["call_id"] for r in exported} == {OLD, RECENT}
    assert all(r["tried"][0]["result"] == "answered" for r in exported)


async def _callbacks_of(pool: asyncpg.Pool, number: str) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        subject = await find_contacts(conn, Subject(number, KEY.of(number), "x:"))
        return await Callbacks().export(conn, subject)


def export_rows(pool: asyncpg.Pool, number: str) -> Any:
    return _callbacks_of(pool, number)
