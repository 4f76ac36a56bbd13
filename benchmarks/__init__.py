"""Benchmarks (``make bench``): one module per benchmark, each with ``main() -> None`` printing its figures."""
