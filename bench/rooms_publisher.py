"""bench.publisher with frames of a given size: `python -m bench.rooms_publisher STREAM BYTES`.

The rooms bench's baseline publishes plain events as large as the room's floor events on
average (bench.publisher pads to bench.common.FRAME_BYTES, the fan-out bench's 200 bytes);
everything else is bench.publisher's own.
"""

from __future__ import annotations

import sys

from bench import common, publisher


def main() -> None:
    common.FRAME_BYTES = int(sys.argv.pop(2))  # read by common.pad_for when main sizes its pad
    publisher.main()


if __name__ == "__main__":
    main()
