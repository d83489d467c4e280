"""Centralino: reports."""
