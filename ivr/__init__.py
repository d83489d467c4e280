"""The IVR, from its part of the center's configuration to its FastAGI scripts.

- ``model``: trees, prompts, holidays, calendars (pydantic); ``checks``: their references,
  checked at load; ``center``: what the IVR reads of the rest of the configuration
  (protocols that ``acd``'s ``CenterConfig`` fits);
- ``steps``, ``nodes``, ``flow``, ``walk``: a tree walked as a generator of steps, pure;
  ``calendar``: opening hours; ``voicemail``: a queue's voicemail as a message node;
  ``acts``: the deposited acts file;
- ``runner``: a flow on a FastAGI session, reporting to the ACD through ``IvrReports``;
  ``announce`` and ``wording``: the waiting caller's place and wait; ``prompts``: which
  texts become sound files;
- ``show``: the trees as an outline or a Mermaid flowchart.

Nothing here imports ``acd`` (nor ``demo`` or ``reports``): ``acd`` loads the configuration,
implements the ports (``acd.ivr_ports``) and wires them (``acd.bootstrap``).
"""
