"""A citizen's personal data under the GDPR: retention, requests, least exposure.

numbers.py   a citizen's number read from a person (checked), its keyed pseudonym, masks
purge.py     the retention purge: daily inside the engine, or ``centralino privacy purge``
requests.py  a citizen's requests: export everything held about a number, or erase it
cli.py       ``centralino privacy export|erase|purge``

The tables that hold personal data are a list of handlers (``acd.store.privacy.TABLES``):
each knows how to export, erase and expire its own rows. docs/privacy.md is the record of
processing: what is collected, why, where, for how long, and how each request is answered.
"""
