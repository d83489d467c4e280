"""A number must stay in clear as long as the engine may still need it: the windows.

Each entry of ``CLEAR_NUMBER_WINDOWS`` reads the configuration and names the places that
keep using a caller's number after its call (path, seconds, what for). The purge would
pseudonymise a number still needed there, so ``privacy.numbers_in_clear_days`` shorter than
any window is refused at load (``check_privacy``): the recall window, and each service's
callback retry window (a pending callback dials the number until its last attempt).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from acd.config.model import CenterConfig

Path = tuple[str | int, ...]
Window = tuple[Path, float, str]  # where it is set, how long (seconds), what needs it
DAY = 86_400


def recall_window(cfg: CenterConfig) -> Iterable[Window]:
    """A caller cut off who calls again within the window jumps ahead: the engine matches
    its number (in memory, but a restart reads it from the contacts)."""
    yield ("routing", "recall_window_seconds"), cfg.routing.recall_window_seconds, "recall"


def callback_window(cfg: CenterConfig) -> Iterable[Window]:
    """A callback dials its number until its last attempt, ``attempts`` spaced apart."""
    for name, service in cfg.services.items():
        if service.callback is not None:
            rules = service.callback
            yield (("services", name, "callback", "spacing_seconds"),
                   rules.attempts * rules.spacing_seconds, "callback retry")  # fmt: skip


CLEAR_NUMBER_WINDOWS: tuple[Callable[[CenterConfig], Iterable[Window]], ...] = (
    recall_window,
    callback_window,
)


def check_privacy(
    cfg: CenterConfig,
    windows: tuple[Callable[[CenterConfig], Iterable[Window]], ...] | None = None,
) -> Iterator[tuple[Path, str]]:
    """Problems with ``privacy:`` as (path, message), as ``check_references`` gives them;
    ``windows``: the table's, unless given."""
    keep = cfg.privacy.numbers_in_clear_days
    for window in CLEAR_NUMBER_WINDOWS if windows is None else windows:
        for path, seconds, what in window(cfg):
            if seconds > keep * DAY:
                where = ".".join(map(str, path))
                yield (
                    ("privacy", "numbers_in_clear_days"),
                    (
                        f"{keep} day(s) is shorter than {where} ({seconds / DAY:g} days, the "
                        f"{what} window): numbers must stay in clear at least that long"
                    ),
                )
