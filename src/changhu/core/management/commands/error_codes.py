"""changhu error-codes [--write]: check (or rewrite) the error-code table in docs/api.md."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps as django_apps
from django.core.management.base import BaseCommand, CommandError

import changhu
from changhu.core import error_catalogue


def generated() -> str:
    found = error_catalogue.by_app(error_catalogue.scan(Path(changhu.__file__).parent))
    titles = {config.label: str(config.verbose_name) for config in django_apps.get_app_configs()}
    titles.setdefault("api", "接口")
    return error_catalogue.table(found, titles)


def doc_path() -> Path:
    """docs/api.md of the checkout (the package lives in src/changhu)."""
    return Path(changhu.__file__).resolve().parents[2] / "docs" / "api.md"


class Command(BaseCommand):
    help = "检查（或以 --write 重写）docs/api.md 中按模块列出的错误码表"

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="重写文档中的错误码表")

    def handle(self, *args, write: bool = False, **options):
        path = doc_path()
        document = path.read_text(encoding="utf-8")
        updated = error_catalogue.replace_table(document, generated())
        if write:
            path.write_text(updated, encoding="utf-8")
            self.stdout.write(f"已更新 {path}")
        elif updated != document:
            raise CommandError("docs/api.md 的错误码表已过期，请运行 changhu error-codes --write")
        else:
            self.stdout.write("错误码表与代码一致")
