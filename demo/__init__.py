"""The demo and the test harness: simulated citizens and agents over sipp.

``demo.sipp`` starts real SIP user agents (sipp processes, scenarios in ``demo/scenarios``);
``demo.run`` is ``centralino demo``, the engine with simulated people around it. This
package may import ``acd``; nothing in ``acd``, ``ivr``, ``reports`` or ``agents`` imports it.
"""
