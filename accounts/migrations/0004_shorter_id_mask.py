"""Re-mask stored ID numbers: province and last two characters only (accounts.identity).

The old mask kept characters 1-6 and 15-18, so the new one is a slice of it: no decryption.
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Left, Right


def remask(apps, schema_editor):
    Resident = apps.get_model("accounts", "Resident")
    Resident.objects.filter(id_number_masked__regex=r"^.{6}\*{8}.{4}$").update(
        id_number_masked=Concat(
            Left(F("id_number_masked"), 2), Value("*" * 14), Right(F("id_number_masked"), 2)
        )
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_role_history")]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
