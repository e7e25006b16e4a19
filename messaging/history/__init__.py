"""History kept for analysts: daily rollups of the message log (rollups.py, models.py) and the archive."""
