"""Benchmarks: sheetsync side by side with the usual approaches (`make bench`)."""
