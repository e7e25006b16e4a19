"""Benchmarks that run the portal's timers and paced sends on real qcluster processes."""
