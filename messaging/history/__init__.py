"""History kept for analysts: daily rollups of the message log (rollups.py, models.py), the archive
(archive/), and the advisory locks that let them run at the same time (locks.py)."""
