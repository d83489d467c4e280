"""Telephony adapters: AMI and FastAGI over panoramisk 1.4, its pitfalls neutralised.

- ``ami``: AmiClient (events in arrival order, timeouts, keepalive, reconnect, no replays);
- ``agi``: AgiServer and AgiSession (FastAGI sessions for the IVR runner and the waiting
  caller's announcement, ``ivr.runner`` and ``ivr.announce``);
- ``translate``: AMI events -> core events, and the uniqueid -> channel name directory;
- ``actions``: the core's telephony commands -> AMI actions;
- ``errors``: the layer's error hierarchy.
"""
