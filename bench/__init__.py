"""Benchmarks: scale checks run by hand or by `make bench`."""
