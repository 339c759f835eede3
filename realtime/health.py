"""GET /healthz: liveness for the load balancer, and this process's fan-out counters."""

from django.http import HttpRequest, JsonResponse

from realtime.hub import hub


async def healthz(request: HttpRequest) -> JsonResponse:
    # Async on purpose: it runs on the server's event loop, so it sees that loop's hub.
    live = hub()
    return JsonResponse(
        {
            "ok": True,
            "connections": len(live.connections),
            "streams": len(live.feeds),
            "deliveries": live.stats,
        }
    )
