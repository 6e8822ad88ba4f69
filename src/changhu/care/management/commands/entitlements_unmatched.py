"""``changhu entitlements-unmatched``: entitlements linked to no assessment conclusion.

Entitlements typed in before conclusions opened them were linked by their conclusion number when
the database was migrated; those that matched no conclusion of the same person are kept and
listed here, with the reason, for a person to resolve. ``--link ENTITLEMENT NUMBER`` links one
to the person's conclusion with that number (grade and dates stay as recorded; differences are
printed). Nothing is ever deleted.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from changhu.care import conf, selectors, services
from changhu.core.commands import as_cli


class Command(BaseCommand):
    help = "List entitlements that match no assessment conclusion; link one with --link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--link",
            nargs=2,
            metavar=("ENTITLEMENT_ID", "CONCLUSION_NUMBER"),
            help="link this entitlement to the person's conclusion with this number",
        )

    def handle(self, *args, link=None, **options):
        with as_cli():
            if link:
                self._link(*link)
                return
            rows = selectors.entitlements_unmatched()
        for row in rows:
            e = row.entitlement
            self.stdout.write(
                f"#{e.pk} {e.person.name} {e.person.id_number_masked} "
                f"登记编号“{e.conclusion_ref}” {conf.grade_label(e.grade)} "
                f"{e.valid_from}至{e.last_day} {e.get_status_display()}：{row.reason}"
            )
        self.stdout.write(f"unmatched entitlements: {len(rows)}")

    def _link(self, entitlement_id: str, number: str) -> None:
        if not entitlement_id.isdigit():
            raise CommandError("ENTITLEMENT_ID must be a number")
        entitlement, differences = services.entitlement_link_conclusion(
            entitlement_id=int(entitlement_id), conclusion_number=number
        )
        self.stdout.write(f"linked #{entitlement.pk} to conclusion {entitlement.conclusion_ref}")
        for difference in differences:
            self.stdout.write(f"difference: {difference}")
