"""Secret ballots closed before voting/secrecy.py: publish of them only what it allows now.

- their stored `ballot.tally` events keep turnout in heads and the progress by head (the
  areas in them, step by step, named the households that voted);
- their certified result (Ballot.result and the `ballot.closed` event) loses the area by
  option unless the rule approves by area, and turnout by area unless the rule uses area;
- every secret ballot shows its count after close (`visibility`), as new ones do.

The rules are written out here rather than imported from voting.secrecy, so this
migration does the same thing whatever that module becomes.
"""

from django.db import migrations


def _uses_area(rule):
    return bool(rule.get("by_area") or (rule.get("quorum") and rule.get("quorum_area")))


def _heads_only(progress):
    return {key: value for key, value in progress.items() if key != "area"}


def _stored_tally(data):
    kept = {}
    participation = data.get("participation")
    if isinstance(participation, dict) and "heads" in participation:
        kept["participation"] = {"heads": participation["heads"]}
    if isinstance(data.get("progress"), dict):
        kept["progress"] = _heads_only(data["progress"])
    return kept


def _result(result, rule):
    if not isinstance(result, dict):
        return result
    published = dict(result)
    counted = result.get("tally")
    if isinstance(counted, dict):
        participation = counted.get("participation") or {"heads": 0}
        published["tally"] = {
            **counted,
            "participation": dict(participation)
            if _uses_area(rule)
            else {"heads": participation.get("heads", 0)},
            "options": {
                key: dict(count) if rule.get("by_area") else {"heads": count.get("heads", 0)}
                for key, count in (counted.get("options") or {}).items()
            },
        }
    if isinstance(result.get("progress"), dict) and not _uses_area(rule):
        published["progress"] = _heads_only(result["progress"])
    return published


def forward(apps, schema_editor):
    Ballot = apps.get_model("voting", "Ballot")
    Event = apps.get_model("realtime", "Event")
    Ballot.objects.filter(secret=True).update(visibility="after_close")
    closed = Ballot.objects.filter(secret=True, status="closed").only("pk", "rule", "result")
    for ballot in closed.iterator():
        rule = ballot.rule or {}
        if ballot.result is not None:
            ballot.result = _result(ballot.result, rule)
            ballot.save(update_fields=["result"])
        changed = []
        events = Event.objects.filter(
            stream=f"ballot.{ballot.pk}", type__in=["ballot.tally", "ballot.closed"]
        )
        for event in events:
            if not isinstance(event.data, dict):
                continue
            if event.type == "ballot.tally":
                kept = _stored_tally(event.data)
            else:
                kept = {**event.data, "result": _result(event.data.get("result"), rule)}
            if kept != event.data:
                event.data = kept
                changed.append(event)
        Event.objects.bulk_update(changed, ["data"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0003_unlink_closed_secret_votes"),
        ("realtime", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
