"""Kiosks in the configuration: shapes and cross-checks at load, each problem as
FILE:LINE: PATH: message, and nothing loaded when one is wrong."""

from __future__ import annotations

from pathlib import Path

from acd.config import load_config
from tests.unit.config_helpers import broken, line_of, problems

SOURCE = Path(__file__).parents[1] / "e2e" / "kiosk.yaml"
Q2 = "    - {id: q2-crocetta, place: Quartiere 2 - Crocetta, services: [urp]}"


def test_kiosks_load_with_their_places_and_services() -> None:
    kiosks = load_config(SOURCE).kiosks
    assert (kiosks.video_skill, kiosks.voice_after_seconds) == ("video", 30)
    q1 = kiosks.kiosk("q1-centro")
    assert q1 is not None
    assert (q1.place, q1.services, q1.endpoint) == (
        "Quartiere 1 - Centro Storico",
        ("urp", "anagrafe"),
        "kiosk-q1-centro",
    )
    assert kiosks.kiosk("nowhere") is None


def test_a_center_without_kiosks_has_none() -> None:
    cfg = load_config(Path(__file__).parents[1] / "e2e" / "center.yaml")
    assert cfg.kiosks.totems == ()


def test_a_kiosk_offering_an_unknown_service_is_refused(tmp_path: Path) -> None:
    path = broken(SOURCE, tmp_path, "services: [urp]}", "services: [urp, tributi]}")
    line = line_of(path, "q2-crocetta")
    assert problems(path) == [
        f"kiosk.yaml:{line}: kiosks.totems.1.services.1: unknown service 'tributi'"
    ]


def test_a_kiosk_defined_twice_or_named_as_a_phone_is_refused(tmp_path: Path) -> None:
    twice = broken(SOURCE, tmp_path, Q2, Q2.replace("q2-crocetta", "q1-centro"))
    assert [p.split(": ", 1)[1] for p in problems(twice)] == [
        "kiosks.totems.1.id: kiosk 'q1-centro' is defined twice"
    ]
    agent = broken(SOURCE, tmp_path, "{id: agent7,", "{id: kiosk-q2-crocetta,")
    assert any("'kiosk-q2-crocetta' is taken" in p for p in problems(agent))


def test_bad_shapes_are_refused(tmp_path: Path) -> None:
    for old, new, says in [
        ("services: [urp]}", "services: []}", "kiosks.totems.1.services"),
        ("id: q2-crocetta", "id: Q2", "kiosks.totems.1.id"),
        ("place: Quartiere 2 - Crocetta,", 'place: "",', "kiosks.totems.1.place"),
        ("voice_after_seconds: 30", "voice_after_seconds: 0", "kiosks.voice_after_seconds"),
    ]:
        found = problems(broken(SOURCE, tmp_path, old, new))
        assert any(says in p for p in found), (old, found)
