"""Real SIP user agents for the demo and the tests: sipp processes we start and always end.

``SippAgent`` is an agent's phone (a sipp UAS on 127.0.0.1:port) that answers after a ring
delay, never answers, or is busy. ``SippRegistration`` is an agent's softphone registering
with its SIP password (answering Asterisk's digest challenge), ``SippAgentDialling`` an
agent's phone dialling a number with it. ``SippCaller`` is a citizen
(a sipp UAC) calling a number on Asterisk, sending DTMF as SIP INFO, then staying until the
far end hangs up or abandoning after a while. ``SippCallers`` is a crowd of them: one sipp
process placing calls at a steady rate, each call a different ``Citizen``. The provider's
side of a trunk: ``SippRegistrar`` (its registrar, which challenges the center's REGISTER)
and ``SippProviderLine`` (where the engine's calls out arrive), on an address of their own
such as 127.0.0.3; both keep the SIP messages they saw (``SippResult.messages``).

The scenarios are ``demo/scenarios/*.xml`` (package data, read through importlib.resources),
parametrised with sipp ``-set`` globals, ``-key`` keywords and, for the citizens' calls, an
injection file (``-inf``: one line a call). Media: each agent runs
``-rtp_echo`` on its own port (and port + 2), so the RTP Asterisk sends is answered. Every
process is our child, in its own process group, and gets SIGTERM if the thread that
started it dies (PR_SET_PDEATHSIG); ``stop()`` ends it for sure.

Errors::

    SippError      sipp is missing, or exited at once (port taken, bad scenario)
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import ctypes
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Self

SCENARIOS = resources.files("demo") / "scenarios"
KEYS_UNTIL_BYE = "uac_keys_until_bye.xml"  # uac_call.xml taking a BYE between two digits
PR_SET_PDEATHSIG = 1


class SippError(Exception):
    """sipp is missing or could not start."""


@dataclass(frozen=True, slots=True)
class Answer:
    """Ring ``ring_seconds``, answer, then wait for BYE or hang up after ``talk_seconds``."""

    ring_seconds: float = 1.0
    talk_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class NoAnswer:
    """Ring until Asterisk cancels."""


@dataclass(frozen=True, slots=True)
class Busy:
    """Answer 486 Busy Here after ``ring_seconds``."""

    ring_seconds: float = 0.0


Behaviour = Answer | NoAnswer | Busy


@dataclass(frozen=True, slots=True)
class Citizen:
    """One call: who calls, the (delay in seconds, digit) pairs keyed, each delay counted
    from the previous digit (the first from the answer), and ``hangup_after``: None to stay
    until the far end hangs up, else seconds after the last digit to abandon. ``display``
    is the From header's display name (the caller's number when None)."""

    caller: str
    dtmf: tuple[tuple[float, str], ...] = ()
    hangup_after: float | None = None
    display: str | None = None

    def injection_line(self) -> str:
        """The call's line of uac_call.xml's injection file: caller;dtmf;hangup_ms;display."""
        display = self.caller if self.display is None else self.display
        if ";" in display or '"' in display or "\n" in display:
            raise ValueError(f"a display name sipp cannot send: {display!r}")
        dtmf = dtmf_spec(self.dtmf) or "none"
        return f"{self.caller};{dtmf};{_ms(self.hangup_after or 0)};{display}"


@dataclass(frozen=True, slots=True)
class SippResult:
    """How a sipp process ended: exit code (None if we had to end it) and call counts."""

    returncode: int | None
    successful: int
    failed: int
    errors: str
    placed: int = 0  # calls started
    messages: str = ""  # the SIP messages sent and received, when traced

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.failed == 0


@dataclass(frozen=True, slots=True)
class TracedMessage:
    """One SIP message of a sipp message trace, as sipp ``received`` or sent it."""

    received: bool
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


_TRACE_ENTRY = re.compile(r"^-{10,} .*\nUDP message (received|sent)[^\n]*\n\n", re.MULTILINE)


def traced_messages(trace: str) -> list[TracedMessage]:
    """The messages of a sipp ``-trace_msg`` file (``SippResult.messages``), in order."""
    parts = _TRACE_ENTRY.split(trace)[1:]  # [direction, message, direction, message, ...]
    return [
        TracedMessage(direction == "received", text.strip())
        for direction, text in zip(parts[::2], parts[1::2], strict=True)
    ]


class _Sipp:
    """One sipp process with its statistics and error files in a private directory."""

    ends_by_itself = False  # a UAS runs until stopped; a UAC ends when its calls are done
    traced = False  # keep the SIP messages (-trace_msg) for SippResult.messages

    def __init__(self, name: str, args: list[str]) -> None:
        self.name = name
        self._args = args
        self._dir = Path(tempfile.mkdtemp(prefix=f"sipp-{name}-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self.result: SippResult | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if shutil.which("sipp") is None:
            raise SippError("sipp is not installed (apt-get install sip-tester)")
        argv = ["sipp", *self._args, *self._inputs(), *self._files()]
        with (self._dir / "stderr.log").open("wb") as stderr:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self._check_started()

    def _inputs(self) -> list[str]:
        """Arguments naming files written in the private directory before sipp starts."""
        return []

    def _files(self) -> list[str]:
        d = self._dir
        traces = ["-trace_msg", "-message_file", str(d / "messages.log")] if self.traced else []
        return ["-nostdin", "-trace_stat", "-stf", str(d / "stat.csv"), "-fd", "1",
                "-trace_err", "-error_file", str(d / "errors.log"), *traces]  # fmt: skip

    def _check_started(self) -> None:
        """sipp fails at once on a taken port or a bad scenario: say so now."""
        assert self._proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = self._proc.wait(timeout=0.3)
            if not self.ends_by_itself or code not in (0, 1):
                self.result = self._collect(code)
                self._cleanup()
                raise SippError(f"sipp {self.name} exited with {code}: {self.result.errors}")

    @property
    def placed(self) -> int:
        """Calls started so far (sipp writes its statistics every second, and on exit)."""
        if self.result is not None:
            return self.result.placed
        return _read_counts(self._dir / "stat.csv").placed

    def wait(self, timeout: float | None = None) -> SippResult:
        """Wait for sipp to end by itself (a caller's calls are done)."""
        if self.result is None:
            assert self._proc is not None, "start() first"
            code = self._proc.wait(timeout=timeout)
            self.result = self._collect(code)
            self._cleanup()
        return self.result

    def run(self, timeout: float) -> SippResult:
        """Start, and wait for the calls to end (ended by force after ``timeout``)."""
        self.start()
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.stop()

    def stop(self) -> SippResult:
        """End sipp now (SIGTERM, then SIGKILL) and report what it did."""
        if self.result is not None or self._proc is None:
            self._cleanup()
            return self.result or SippResult(None, 0, 0, "never started")
        code = self._proc.poll()
        if code is None:
            _signal_group(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                _signal_group(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=3)
        self.result = self._collect(code)
        self._cleanup()
        return self.result

    def _collect(self, code: int | None) -> SippResult:
        counts = _read_counts(self._dir / "stat.csv")
        errors = _tail(self._dir / "errors.log")
        if code not in (None, 0, 1):  # sipp could not run: its stderr says why
            errors = f"{errors}\n{_tail(self._dir / 'stderr.log')}".strip()
        messages = _tail(self._dir / "messages.log", lines=None) if self.traced else ""
        return SippResult(code, counts.successful, counts.failed, errors, counts.placed, messages)

    def _cleanup(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


class SippAgent(_Sipp):
    """An agent's phone (or a supervisor's): a sipp UAS on 127.0.0.1:``port``. Its audio
    goes to sipp's media port, which echoes it, unless ``rtp_port`` names another (a test's
    own RTP peer, which then hears and speaks for the phone)."""

    def __init__(
        self,
        agent_id: str,
        port: int,
        behaviour: Behaviour,
        media_port: int | None = None,
        rtp_port: int | None = None,
    ) -> None:
        self.agent_id, self.port, self.behaviour = agent_id, port, behaviour
        self.media_port = media_port or free_media_port()
        scenario, values = _uas(behaviour, rtp_port or self.media_port)
        echo = ["-rtp_echo"] if rtp_port is None else []
        args = ["-sf", scenario_file(scenario), "-i", "127.0.0.1", "-p", str(port),
                "-mi", "127.0.0.1", "-mp", str(self.media_port), *echo, "-aa",
                *_globals(values)]  # fmt: skip
        super().__init__(agent_id, args)

    @property
    def contact(self) -> str:
        """The SIP URI to put in the agent's configuration (``agents[].contact``)."""
        return f"sip:{self.agent_id}@127.0.0.1:{self.port}"


class SippCitizenPhones(SippAgent):
    """The citizens' phones as the local trunk's calls out reach them (callbacks, the
    demo): one sipp UAS on 127.0.0.1:``port`` (``ports.citizens_line``) answering every
    call as ``behaviour`` says."""

    def __init__(self, port: int, behaviour: Behaviour) -> None:
        super().__init__("citizens", port, behaviour)


class SippCallers(_Sipp):
    """Citizens calling ``number`` on Asterisk's SIP port: ``calls`` calls in all, started
    ``per_minute`` a minute at an even pace whether or not the earlier ones have ended (sipp
    paces them), call i being ``citizens[i % len(citizens)]``.

    ``max_open`` bounds the calls in progress at once; give room for every call the rate
    starts within the longest call. sipp's own default bound, 3 x rate x the scenario's
    fixed pauses, sees none of our variable pauses and allowed one call at a time.
    """

    ends_by_itself = True

    def __init__(
        self,
        number: str,
        sip_port: int,
        citizens: Sequence[Citizen],
        calls: int,
        per_minute: float,
        max_open: int,
        local_ip: str = "127.0.0.1",
        rtp_port: int | None = None,
        scenario: str = "uac_call.xml",
    ) -> None:
        """``local_ip``: the address the citizens call from (127.0.0.2 stands in for another
        host in the tests); ``rtp_port``: where their audio goes instead of sipp's echo (a
        test's RTP peer); ``scenario``: ``KEYS_UNTIL_BYE`` for citizens whose digits may
        outlast the call (the far end may hang up between two of them)."""
        if not citizens:
            raise ValueError("no citizens to call")
        self.number, self.media_port = number, free_media_port()
        self.citizens = tuple(citizens)
        echo = ["-rtp_echo"] if rtp_port is None else []
        args = ["-sf", scenario_file(scenario), f"127.0.0.1:{sip_port}",
                "-s", number, "-i", local_ip,
                "-mi", "127.0.0.1", "-mp", str(self.media_port), *echo,
                *_globals({"sdp_port": str(rtp_port or self.media_port)}),
                "-m", str(calls), "-r", f"{per_minute:g}", "-rp", "60000",
                "-l", str(max_open)]  # fmt: skip
        super().__init__(f"callers-{number}", args)

    def _inputs(self) -> list[str]:
        path = self._dir / "citizens.csv"
        lines = ["SEQUENTIAL", *(c.injection_line() for c in self.citizens)]
        path.write_text("\n".join(lines) + "\n")
        return ["-inf", str(path)]


class SippCaller(SippCallers):
    """A citizen ``caller`` calling ``number`` (``Citizen`` says what ``dtmf``,
    ``hangup_after`` and ``display`` mean): once, or ``calls`` times at ``rate`` per second."""

    def __init__(
        self,
        number: str,
        sip_port: int,
        dtmf: Sequence[tuple[float, str]] = (),
        hangup_after: float | None = None,
        caller: str = "3331234567",
        calls: int = 1,
        rate: float = 1.0,
        local_ip: str = "127.0.0.1",
        display: str | None = None,
        rtp_port: int | None = None,
        scenario: str = "uac_call.xml",
    ) -> None:
        citizen = Citizen(caller, tuple(dtmf), hangup_after, display)
        super().__init__(number, sip_port, [citizen], calls, rate * 60, max_open=calls,
                         local_ip=local_ip, rtp_port=rtp_port, scenario=scenario)  # fmt: skip


class SippSpeaker(_Sipp):
    """A citizen who keys ``dtmf`` on ``number``, starts talking ``speak_after`` seconds
    after the last digit (7 s of speech: the capture Debian's sip-tester ships, played by
    demo/scenarios/uac_speak.xml) and hangs up ``hangup_after`` seconds into it."""

    ends_by_itself = True

    def __init__(
        self,
        number: str,
        sip_port: int,
        dtmf: Sequence[tuple[float, str]],
        speak_after: float,
        hangup_after: float,
        caller: str = "3331234567",
    ) -> None:
        values = {"dtmf": dtmf_spec(dtmf), "speak_ms": _ms(speak_after),
                  "hangup_ms": _ms(hangup_after)}  # fmt: skip
        args = ["-sf", scenario_file("uac_speak.xml"), f"127.0.0.1:{sip_port}",
                "-s", number, "-key", "caller", caller, "-i", "127.0.0.1",
                "-mi", "127.0.0.1", "-mp", str(free_media_port()), "-m", "1",
                *_globals(values)]  # fmt: skip
        super().__init__(f"speaker-{caller}", args)


class SippRegistration(_Sipp):
    """Agent ``agent_id``'s softphone registering once, with ``password``.

    It succeeds only if Asterisk challenges the first REGISTER (401) and accepts the
    answer (200). The password is on sipp's command line: a test peer, not a phone.
    """

    ends_by_itself = True

    def __init__(
        self, agent_id: str, sip_port: int, password: str, local_ip: str = "127.0.0.1"
    ) -> None:
        """``local_ip``: the address it registers from (127.0.0.2 stands for another host)."""
        args = ["-sf", scenario_file("uac_register.xml"), f"127.0.0.1:{sip_port}",
                "-s", agent_id, "-au", agent_id, "-ap", password, "-i", local_ip,
                "-m", "1"]  # fmt: skip
        super().__init__(f"register-{agent_id}", args)


class SippAgentDialling(_Sipp):
    """Agent ``agent_id``'s phone dialling ``number`` on Asterisk, with its SIP password.

    It succeeds when Asterisk refuses the authenticated INVITE; ``SippResult.messages``
    tells the refusal (or the 200 of a call that should not have been answered).
    """

    ends_by_itself = True
    traced = True

    def __init__(self, agent_id: str, password: str, number: str, sip_port: int) -> None:
        args = ["-sf", scenario_file("uac_agent_dials.xml"), f"127.0.0.1:{sip_port}",
                "-s", number, "-au", agent_id, "-ap", password, "-set", "agent", agent_id,
                "-i", "127.0.0.1", "-mi", "127.0.0.1", "-mp", str(free_media_port()),
                "-m", "1"]  # fmt: skip
        super().__init__(f"dialling-{agent_id}", args)


class SippRegistrar(_Sipp):
    """A provider's registrar on ``ip``:``port``: a REGISTER without the digest credentials
    of ``user`` / ``password`` gets 401 and a challenge, one with them 200 (Expires 3600)."""

    traced = True

    def __init__(self, ip: str, port: int, user: str, password: str) -> None:
        args = ["-sf", scenario_file("uas_registrar.xml"), "-i", ip, "-p", str(port),
                *_globals({"user": user, "password": password})]  # fmt: skip
        super().__init__(f"registrar-{ip}-{port}", args)


class SippProviderLine(_Sipp):
    """A provider taking the center's calls out on ``ip``:``port``: it rings, answers or
    refuses each INVITE as ``behaviour`` says (as ``SippAgent`` does)."""

    traced = True

    def __init__(self, ip: str, port: int, behaviour: Behaviour) -> None:
        media_port = free_media_port()
        scenario, values = _uas(behaviour, media_port)
        args = ["-sf", scenario_file(scenario), "-i", ip, "-p", str(port),
                "-mi", "127.0.0.1", "-mp", str(media_port), "-rtp_echo",
                *_globals(values)]  # fmt: skip
        super().__init__(f"provider-{ip}-{port}", args)


def scenario_file(name: str) -> str:
    """The path sipp reads scenario ``name`` from, wherever the package is installed."""
    return str(_SCENARIO_FILES.enter_context(resources.as_file(SCENARIOS / name)))


_SCENARIO_FILES = contextlib.ExitStack()  # a copy made for a zipped package lives until exit
atexit.register(_SCENARIO_FILES.close)


def dtmf_spec(dtmf: Sequence[tuple[float, str]]) -> str:
    """``[(1.5, "2"), (0.3, "#")]`` -> ``"1500:2,300:#"`` (what uac_call.xml reads)."""
    for _, digit in dtmf:
        if len(digit) != 1 or digit not in "0123456789*#ABCD":
            raise ValueError(f"not a DTMF digit: {digit!r}")
    return ",".join(f"{_ms(delay)}:{digit}" for delay, digit in dtmf)


def free_media_port() -> int:
    """A UDP port that is free, with port + 2 free too (sipp echoes RTCP there).

    Several user agents are often made before any of them starts (and binds), so a bind
    test alone can hand two of them the same or overlapping ports: ports are multiples of
    4 (a port and its + 2 never overlap another's) and none is handed out twice here.
    """
    for _ in range(200):
        port = random.randrange(40000, 60000, 4)
        if port not in _HANDED_OUT and _udp_free(port) and _udp_free(port + 2):
            _HANDED_OUT.add(port)
            return port
    raise SippError("no free UDP port pair for RTP between 40000 and 60000")


_HANDED_OUT: set[int] = set()  # media ports given to user agents by this process


def _uas(behaviour: Behaviour, sdp_port: int) -> tuple[str, dict[str, str]]:
    """The scenario of ``behaviour`` and its globals (``sdp_port``: where audio goes)."""
    match behaviour:
        case Answer(ring, talk):
            return "uas_answer.xml", {"ring_ms": _ms(ring), "talk_ms": _ms(talk or 0),
                                      "sdp_port": str(sdp_port)}  # fmt: skip
        case NoAnswer():
            return "uas_noanswer.xml", {}
        case Busy(ring):
            return "uas_busy.xml", {"ring_ms": _ms(ring)}


def _globals(values: dict[str, str]) -> list[str]:
    return [arg for name, value in values.items() for arg in ("-set", name, value)]


def _ms(seconds: float) -> str:
    return str(round(seconds * 1000))


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class _Counts(NamedTuple):
    placed: int
    successful: int
    failed: int


def _read_counts(path: Path) -> _Counts:
    """Calls started, successful and failed, from the last line of sipp's -trace_stat file.

    sipp's exit dump can land in the middle of a periodic one (seen in CI: a last line of
    the header's 88 fields behind 5 of an interrupted row), so a longer row is read from its
    end and a row that does not parse is passed over for the one before."""
    try:
        rows = list(csv.reader(path.read_text().splitlines(), delimiter=";"))
    except OSError:
        return _Counts(0, 0, 0)
    if not rows:
        return _Counts(0, 0, 0)
    header, width = rows[0], len(rows[0])
    columns = ("TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)")
    if not set(columns) <= set(header):
        return _Counts(0, 0, 0)
    wanted = [header.index(column) for column in columns]
    for row in reversed(rows[1:]):
        if len(row) < width:
            continue
        fields = row[len(row) - width :]
        with contextlib.suppress(ValueError):
            return _Counts(*(int(fields[i] or 0) for i in wanted))
    return _Counts(0, 0, 0)


def _tail(path: Path, lines: int | None = 20) -> str:
    """The last ``lines`` lines of ``path`` (None: all of them)."""
    try:
        text = path.read_text(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:] if lines is not None else text)
    except OSError:
        return ""


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent thread ends, so sipp never outlives us."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
