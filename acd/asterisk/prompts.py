"""Synthesise the IVR's sounds with espeak-ng into 8 kHz mono 16-bit WAV files.

Which texts become which files is the IVR's (``ivr.prompts``): ``cfg.prompts`` texts become
``sounds/{lang}/{prompt}.wav`` in the instance directory, and the queue announcement's fixed
phrases ``sounds/{lang}/announce/{phrase}.wav``, the callback offer's
``sounds/{lang}/callback/{phrase}.wav``, the ``schedule_callback`` node's
``sounds/{lang}/schedule/{phrase}.wav``. A stamp next to each file holds the hash of
the voice and text: only a changed text is synthesised again. Playback, STREAM FILE and GET
DATA take ``prompt_path(...)``, the file's path inside the root without its extension.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from acd.asterisk.errors import PromptError
from acd.asterisk.paths import InstancePaths
from acd.config.model import CenterConfig
from ivr.model import ScheduleCallbackNode
from ivr.prompts import (
    SoundText,
    announcement_texts,
    callback_offer_texts,
    prompt_texts,
    schedule_texts,
)

VOICES = {"it": "it", "en": "en"}  # espeak-ng's voice for each language of ivr.prompts


def prompt_path(instance: InstancePaths, lang: str, name: str) -> str:
    """The prompt as Asterisk names it: absolute path inside the root, no extension."""
    return instance.inside("sounds", lang, name)


def synthesize_prompts(cfg: CenterConfig, instance: InstancePaths) -> list[Path]:
    """Build every prompt text that changed; return the files that were (re)built."""
    return _synthesize_changed(prompt_texts(cfg.prompts), instance)


def synthesize_announcements(instance: InstancePaths) -> list[Path]:
    """Build every queue announcement phrase that changed; return the files (re)built."""
    return _synthesize_changed(announcement_texts(), instance)


def synthesize_callback_phrases(cfg: CenterConfig, instance: InstancePaths) -> list[Path]:
    """Build the callback offer's phrases that changed (``sounds/{lang}/callback/``), with
    an offer for each key the services' callbacks use (none without callbacks)."""
    keys = [s.callback.key for s in cfg.services.values() if s.callback is not None]
    return _synthesize_changed(callback_offer_texts(keys) if keys else [], instance)


def synthesize_schedule_phrases(cfg: CenterConfig, instance: InstancePaths) -> list[Path]:
    """Build the ``schedule_callback`` node's phrases that changed (``sounds/{lang}/
    schedule/``): none when no IVR tree has the node."""
    nodes = (node for tree in cfg.ivr.values() for node in tree.nodes.values())
    wanted = any(isinstance(node, ScheduleCallbackNode) for node in nodes)
    return _synthesize_changed(schedule_texts() if wanted else [], instance)


def _synthesize_changed(texts: Iterable[SoundText], instance: InstancePaths) -> list[Path]:
    built = []
    for sound in texts:
        target = instance.to_host(prompt_path(instance, sound.language, sound.name) + ".wav")
        if sound.text and synthesize(sound.text, sound.language, target):
            built.append(target)
    return built


def synthesize(text: str, lang: str, target: Path) -> bool:
    """Synthesise ``text`` into ``target`` unless its stamp says it is up to date."""
    stamp = target.with_suffix(".sha256")
    digest = hashlib.sha256(f"{VOICES[lang]}\0{text}".encode()).hexdigest()
    if target.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return False
    _make_readable_dir(target.parent)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        _run(["espeak-ng", "-v", VOICES[lang], "-w", str(raw), text])
        _run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", str(wav)])
        wav.chmod(0o644)
        wav.replace(target)
    stamp.write_text(digest + "\n")
    stamp.chmod(0o644)
    return True


def _make_readable_dir(directory: Path) -> None:
    """Asterisk (not root) reads what we make: readable by all, inside sounds/ (0750,
    group asterisk: nobody else gets that far)."""
    made = [d for d in (directory, *directory.parents) if not d.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    for made_dir in {directory, *made}:
        made_dir.chmod(0o755)


def _run(argv: list[str]) -> None:
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as exc:
        raise PromptError(f"{argv[0]} is not installed (apt-get install {argv[0]})") from exc
    except subprocess.CalledProcessError as exc:
        raise PromptError(f"{argv[0]} failed: {exc.stderr.strip()[-500:]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise PromptError(f"{argv[0]} took longer than {exc.timeout} s") from exc
