"""Voice calls that take a key: the key becomes a reply (``keys``), Amazon Connect's events and
the poll after the ring timeout report it (``connect``), and the simulator rings (``simulator``)."""
