"""Centralino: ivr."""
