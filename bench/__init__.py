"""Benchmarks at township scale: `python -m bench` (or `make bench`) runs them all.

Each benchmark measures a user-visible operation against a target, and where a fair yardstick
exists, against a baseline measured in the same run on the same machine, so the ratio stays
meaningful on a noisy or slow machine. Results go to ``bench/results.json``; what each metric
means is in ``docs/PERFORMANCE.md``.
"""
