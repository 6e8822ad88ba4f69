"""changhu rights-table [--write]: check (or rewrite) the role/right table in
docs/data-protection.md from ``orgs.roles``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import changhu
from changhu.core.docgen import replace_section
from changhu.orgs.roles import rights_table

SECTION = "rights-table"


def doc_path() -> Path:
    return Path(changhu.__file__).resolve().parents[2] / "docs" / "data-protection.md"


class Command(BaseCommand):
    help = "检查（或以 --write 重写）docs/data-protection.md 中的角色权限表"

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="重写文档中的角色权限表")

    def handle(self, *args, write: bool = False, **options):
        path = doc_path()
        document = path.read_text(encoding="utf-8")
        updated = replace_section(
            document,
            SECTION,
            rights_table(),
            "changhu rights-table --write",
            heading="Rights by role (generated)",
        )
        if write:
            path.write_text(updated, encoding="utf-8")
            self.stdout.write(f"已更新 {path}")
        elif updated != document:
            raise CommandError(
                "docs/data-protection.md 的角色权限表已过期，请运行 changhu rights-table --write"
            )
        else:
            self.stdout.write("角色权限表与代码一致")
