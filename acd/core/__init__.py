"""The pure ACD core: ``Engine.handle(event, now) -> list[Command]``; no I/O, no clock."""
