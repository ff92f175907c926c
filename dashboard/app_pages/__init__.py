"""Thin pages: they read via dashboard.appdata and draw; no SQL here."""
