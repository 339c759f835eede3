"""The side-by-side benchmark suite (issue 3): `python -m bench`, see docs/performance.md.

Our server (daphne, or `realtime.serve` when it exists) and a bare `websockets` baseline
are measured in the same run, with the same clients, and reported as ratios.
"""
