"""Telephony adapters: AMI and FastAGI over panoramisk 1.4, its pitfalls neutralised.

- ``ami``: AmiClient (events in arrival order, timeouts, keepalive, reconnect, no replays);
- ``agi``: AgiServer and AgiSession (FastAGI sessions for the IVR runner);
- ``translate``: AMI events -> core events, and the uniqueid -> channel name directory;
- ``actions``: the core's telephony commands -> AMI actions;
- ``announce``: the waiting caller's periodic place-and-wait message (FastAGI), its wording
  in ``wait_phrases``;
- ``errors``: the layer's error hierarchy.
"""
