"""``config export|apply|schema``: the portal's setup as one YAML file.

The file is a list of small per-kind sections (sections/): each says what its part of the file
may hold (a JSON Schema), writes it (export), and makes the portal match it (apply). The
engine (engine.py) validates the whole file first, then applies every section in one
transaction, in the order of SECTIONS, so that a policy can name a schedule made in the same run.
"""
