"""Centralino: agents."""
