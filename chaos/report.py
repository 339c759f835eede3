"""The one table: what each scenario sent, what was acknowledged, stored and delivered.

Column meanings (docs/reliability.md):
- sent: writes the clients sent (`do` frames written to an open socket; for the restart
  scenario also the writes made while no server ran); acked: answered `ok`;
- stored: rows in the database (posts by their unique text; votes as Participation rows);
- delivered: stored writes that every client following the stream ended up holding (an
  event applied in seq order, or shown by a snapshot after `resync`); for votes, the votes
  counted by the last tally every watcher holds;
- dup: writes stored twice, or one object carried by two events of a stream;
- gaps / resyncs: how often clients saw a seq skip ahead (and re-subscribed) / were told
  to reload the snapshot;
- recovery: seconds from the end of the fault until every client held every event
  committed before the fault ended ("-" when they never did).
A scenario fails when anything acknowledged is lost, anything is duplicated, or anything
stored is not delivered (and for the frozen Redis, when a write was held by it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

COLUMNS = (
    "scenario",
    "what",
    "sent",
    "acked",
    "stored",
    "delivered",
    "dup",
    "gaps",
    "resyncs",
    "recovery s",
    "verdict",
)


@dataclass
class Row:
    scenario: str
    what: str
    sent: int | str = 0
    acked: int | str = 0
    stored: int | str = 0
    delivered: int | str = 0
    duplicates: int = 0
    gaps: int = 0
    resyncs: int = 0
    recovery: float | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def cells(self) -> list[str]:
        recovery = "-" if self.recovery is None else f"{self.recovery:.1f}"
        return [
            self.scenario,
            self.what,
            str(self.sent),
            str(self.acked),
            str(self.stored),
            str(self.delivered),
            str(self.duplicates),
            str(self.gaps),
            str(self.resyncs),
            recovery,
            "ok" if self.ok else "FAIL",
        ]


def table(rows: list[Row]) -> str:
    """A Markdown table (it reads as plain text too), then each scenario's notes."""
    grid = [list(COLUMNS), *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(grid[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(cells) for cells in grid[1:]]
    for row in rows:
        for text in row.problems:
            out.append(f"- {row.scenario}: FAIL: {text}")
        for text in row.notes:
            out.append(f"- {row.scenario}: {text}")
    return "\n".join(out)
