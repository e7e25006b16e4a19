"""Message templates: one name, a variant per channel and locale (see render.py for the choice)."""
