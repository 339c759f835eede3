"""`python -m realtime.serve`: daphne, with the scope extension the fast path needs.

Takes exactly daphne's command-line arguments. The one change: each WebSocket scope
carries the daphne protocol under `extensions["linli.direct"]`, so the hub can write
prebuilt frames to the socket (realtime/direct.py). Under plain `daphne` everything still
works through ASGI sends, only slower.
"""

from __future__ import annotations

import gc
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server

from realtime.direct import EXTENSION


class LinliServer(Server):  # type: ignore[misc]
    def run(self) -> None:
        tune_gc()  # here, after daphne imported the application
        super().run()

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") == "websocket":
            scope = {**scope, "extensions": {**scope.get("extensions", {}), EXTENSION: {}}}
            scope["extensions"][EXTENSION]["protocol"] = protocol
        return super().create_application(protocol, scope)


class LinliCommandLine(CommandLineInterface):  # type: ignore[misc]
    server_class = LinliServer


def tune_gc() -> None:
    """Thousands of long-lived sockets make full collections pause for 50-350 ms.

    Everything loaded at startup (Django, the app, the URL conf) is frozen out of the
    collector's scans, and full collections are made rarer; young garbage is still
    collected as usual.
    """
    gc.collect()
    gc.freeze()
    gen0, gen1, _gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 5000), gen1, 100)


def main() -> None:
    LinliCommandLine.entrypoint()


if __name__ == "__main__":
    main()
