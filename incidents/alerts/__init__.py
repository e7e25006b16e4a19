"""Alerts in: monitoring opens, deduplicates and resolves incidents (see docs/architecture.md)."""
