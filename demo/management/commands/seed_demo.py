from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from demo import seed as demo


class Command(BaseCommand):
    help = "Build the demo subdistrict (周家渡街道) with households, residents and demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=360)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if places already exist"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the database first (make demo-reset); refused unless it holds the demo",
        )

    def handle(
        self, *args: Any, households: int, if_empty: bool, reset: bool, **options: Any
    ) -> None:
        if households < 3:
            raise CommandError("--households must be at least 3 (the demo users live in them)")
        if reset:
            # flush empties every table: only a database that is the demo's (or empty) may
            # be emptied, so an exported production DATABASE_URL survives a stray demo-reset.
            if demo.is_seeded() and not demo.is_demo():
                raise CommandError(
                    "This database holds places but not the demo users: not emptying it."
                )
            call_command("flush", interactive=False, verbosity=0)
        if demo.is_seeded():
            if if_empty:
                self.print_logins()
                return
            raise CommandError("The database already has places; seed a fresh database.")
        with tqdm(total=households, unit="households", disable=options["verbosity"] < 1) as bar:
            counts = demo.seed(households, progress=bar.update)
        self.stdout.write(
            "Seeded {neighborhoods} neighborhoods, {buildings} buildings, "
            "{households} households, {residents} residents.".format(**counts)
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for user in demo.DEMO_USERS:
            self.stdout.write(f"  {user.username:<10} {user.display_name:<8} {user.role}")
        hint = demo.demo_code_hint()
        if hint:
            self.stdout.write(f"  newcomer's {hint}")
