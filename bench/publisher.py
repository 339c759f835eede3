"""The publisher process: `realtime.publish` at a target rate, the way a service calls it.

Run as `python -m bench.publisher STREAM` with `common.django_env()`. Commands on stdin:
{"cmd": "run", "rate": R, "duration": D} publishes round(R * D) events (at least one), each
in its own `transaction.atomic()`, on a fixed schedule, and answers with their seqs.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import EVENT_TYPE, pad_for, reply


def main() -> None:
    import django

    django.setup()
    from django.db import transaction

    import realtime
    from realtime import frames

    stream = sys.argv[1]
    # The frame the server sends is built by realtime.publish; size the pad against it.
    sample = frames.event(
        stream, 100_000, EVENT_TYPE, "2025-01-01T00:00:00.000000Z", {"t": time.time(), "pad": ""}
    )
    pad = "x" * pad_for(sample)
    reply({"ready": True, "pad": len(pad)})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "exit":
            break
        rate, duration = float(cmd["rate"]), float(cmd["duration"])
        count = max(1, round(rate * duration))
        seqs: list[int] = []
        costs: list[float] = []
        late = 0.0
        start = time.monotonic() + 0.02
        for i in range(count):
            target = start + i / rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                late = max(late, -delay)
            began = time.monotonic()
            with transaction.atomic():
                seqs.append(realtime.publish(stream, EVENT_TYPE, {"t": time.time(), "pad": pad}))
            costs.append(time.monotonic() - began)
        costs.sort()
        reply(
            {
                "seqs": seqs,
                "late_max": late,
                "cost_p50": costs[len(costs) // 2],
                "cost_max": costs[-1],
                "span": time.monotonic() - start,
            }
        )


if __name__ == "__main__":
    main()
