"""Plain helper modules for the tests (imported, never collected; no fixtures live here)."""
