"""Benchmark scripts, run as files (``python bench/reports.py``); a package only so that
mypy tells ``bench/reports.py`` from the ``reports`` package."""
