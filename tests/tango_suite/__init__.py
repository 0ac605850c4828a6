"""Shared pieces of the Tango connector's behavioural suite (run on SQLite and PostgreSQL)."""
