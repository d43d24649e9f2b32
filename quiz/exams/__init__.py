"""Timed E2 questionnaires: definitions, sessions, attempts, autosave and finalisation."""
