"""Synthesise the center's prompts with espeak-ng into 8 kHz mono 16-bit WAV files.

``cfg.prompts`` texts become ``sounds/{lang}/{prompt}.wav`` in the instance directory.
A stamp next to each file holds the hash of the voice and text: only a changed text is
synthesised again. Playback, STREAM FILE and GET DATA take ``prompt_path(...)``, the file's
path inside the root without its extension.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

from acd.asterisk.errors import PromptError
from acd.asterisk.paths import InstancePaths
from acd.config.model import CenterConfig

VOICES = {"it": "it", "en": "en"}
LANGUAGES = tuple(VOICES)


def prompt_path(instance: InstancePaths, lang: str, name: str) -> str:
    """The prompt as Asterisk names it: absolute path inside the root, no extension."""
    return instance.inside("sounds", lang, name)


def synthesize_prompts(cfg: CenterConfig, instance: InstancePaths) -> list[Path]:
    """Build every prompt text that changed; return the files that were (re)built."""
    built = []
    for name, prompt in sorted(cfg.prompts.items()):
        for lang in LANGUAGES:
            text = getattr(prompt, lang)
            target = instance.to_host(prompt_path(instance, lang, name) + ".wav")
            if text and synthesize(text, lang, target):
                built.append(target)
    return built


def synthesize(text: str, lang: str, target: Path) -> bool:
    """Synthesise ``text`` into ``target`` unless its stamp says it is up to date."""
    stamp = target.with_suffix(".sha256")
    digest = hashlib.sha256(f"{VOICES[lang]}\0{text}".encode()).hexdigest()
    if target.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.parent.chmod(0o755)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        _run(["espeak-ng", "-v", VOICES[lang], "-w", str(raw), text])
        _run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", str(wav)])
        wav.chmod(0o644)
        wav.replace(target)
    stamp.write_text(digest + "\n")
    stamp.chmod(0o644)
    return True


def _run(argv: list[str]) -> None:
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as exc:
        raise PromptError(f"{argv[0]} is not installed (apt-get install {argv[0]})") from exc
    except subprocess.CalledProcessError as exc:
        raise PromptError(f"{argv[0]} failed: {exc.stderr.strip()[-500:]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise PromptError(f"{argv[0]} took longer than {exc.timeout} s") from exc
