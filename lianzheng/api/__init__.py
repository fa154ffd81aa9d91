"""Data out, read-only: the published regulation through Wagtail's API v2 (public), and the
case API for the discipline-inspection bodies (a token per consumer, every call logged)."""
