"""Centralino: acd."""
