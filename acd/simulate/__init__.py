"""Discrete-event simulation of the unchanged ACD core.

``scenario`` says what happens (arrivals, handle times, patience, agents and shifts, the
center's configuration); ``run`` drives the core built by the composition root with a
virtual clock and an event heap, playing the telephony and the agents; ``report`` turns the
contact records and agent-state changes the core emits into the metrics of
``/work/shared/design/metrics.md``; ``cli`` is ``centralino simulate``.
"""
