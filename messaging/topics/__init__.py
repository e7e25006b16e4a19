"""Topics and each person's preferences: who wants what, on which channel (see preferences.py)."""
