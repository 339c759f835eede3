"""`python -m chaos`: the fault scenarios of issue 15, against private PostgreSQL and Redis.

Why a harness of its own and not tests alone: the faults (a Redis killed or frozen, a
server killed with -9, PostgreSQL restarted) must hit real processes that the harness owns,
never the shared services, and their outcome is a table a person reads (docs/reliability.md).
The few-second parts run in `make test` through the same code (tests/chaos/).

No Django import at module level anywhere in this package except chaos/seed.py, which runs
as a child process: the harness also runs inside pytest, whose Django points elsewhere.
"""
