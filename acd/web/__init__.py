"""The web side: live page, agent actions API, health and metrics."""
