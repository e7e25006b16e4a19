"""Date formats for the admin (FORMAT_MODULE_PATH): ``portal/formats/en/formats.py``."""
