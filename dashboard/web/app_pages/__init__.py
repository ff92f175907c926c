"""Thin pages: they read via dashboard.web.appdata and draw; no SQL here."""
