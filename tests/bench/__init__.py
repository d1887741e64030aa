"""Benchmarks: ``python -m tests.bench [bench_name ...]`` runs every ``bench_*.py`` here (each has ``main()``)."""
