"""``changhu settle --period YYYY-MM [--region CODE]``: compute a month's claims now.

Opens the period if needed (the policy in force for the region), resumes an unfinished run or
starts a new one, and shows the progress chunk by chunk. Interrupted, it resumes where it
stopped the next time; a paid period is refused.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from changhu.core.commands import as_cli
from changhu.core.money import format_yuan
from changhu.orgs.models import Region
from changhu.settlement import services
from changhu.settlement.management.commands._actor import system_actor


class Command(BaseCommand):
    help = "Compute a month's settlement (claims per institution) with a progress display."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="month, YYYY-MM")
        parser.add_argument(
            "--region",
            default="",
            help="pooling region code (default: the only city with a policy)",
        )
        parser.add_argument("--policy", default="", help="policy code (default: in force)")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, period: str, region: str, policy: str, quiet: bool, **options):
        started = time.monotonic()
        with as_cli():
            actor = system_actor()
            code = region or _default_region()
            opened = services.period_open(
                actor=actor, month=period, region_code=code, policy_code=policy
            )

            def progress(done: int, total: int) -> None:
                if quiet:
                    return
                width = 30
                filled = int(width * done / total) if total else width
                self.stdout.write(
                    f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                    f"{time.monotonic() - started:6.1f}s",
                    ending="",
                )
                self.stdout.flush()

            run = services.period_compute(
                actor=actor, period_id=opened.pk, source="cli", progress=progress
            )
        opened.refresh_from_db()
        if not quiet:
            self.stdout.write("")
        self.stdout.write(
            f"{opened.month} {opened.region_code} {opened.policy.ref}: run {run.pk}, "
            f"{opened.line_count} lines, fund {format_yuan(opened.fund_fen)}, "
            f"supplementary {format_yuan(opened.supplementary_fen)}, "
            f"personal {format_yuan(opened.personal_fen)} "
            f"({time.monotonic() - started:.1f}s)"
        )


def _default_region() -> str:
    """The region of the one loaded benefit policy that has its region in the database."""
    from changhu.settlement.models import PolicyKind, PolicyVersion

    codes = set(
        PolicyVersion.objects.filter(kind=PolicyKind.BENEFIT).values_list("region_code", flat=True)
    )
    present = sorted(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    if len(present) != 1:
        raise CommandError("give --region: the pooling region code of the period")
    return present[0]
