"""Secret ballots closed before the close took their choices' link to the voters out of the
database (voting/services/ballots.py `_unlink_secret_votes`): do it for them now."""

import secrets

from django.db import migrations


def unlink(apps, schema_editor):
    Ballot = apps.get_model("voting", "Ballot")
    SecretVote = apps.get_model("voting", "SecretVote")
    Event = apps.get_model("realtime", "Event")
    shuffle = secrets.SystemRandom().shuffle
    closed = Ballot.objects.filter(secret=True, status="closed").values_list("pk", flat=True)
    for ballot_id in closed:
        rows = list(
            SecretVote.objects.filter(ballot_id=ballot_id).values("id", "choice", "area", "receipt")
        )
        SecretVote.objects.filter(ballot_id=ballot_id).delete()
        shuffle(rows)
        SecretVote.objects.bulk_create(
            [SecretVote(ballot_id=ballot_id, **row) for row in rows], batch_size=1000
        )
        changed = []
        for event in Event.objects.filter(stream=f"ballot.{ballot_id}", type="ballot.tally"):
            if isinstance(event.data, dict) and "tally" in event.data:
                event.data = {k: v for k, v in event.data.items() if k != "tally"}
                changed.append(event)
        Event.objects.bulk_update(changed, ["data"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0002_participation_ballot_one_index"),
        ("realtime", "0001_initial"),
    ]

    operations = [migrations.RunPython(unlink, migrations.RunPython.noop)]
