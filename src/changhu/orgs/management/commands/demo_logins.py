"""``changhu demo-logins``: the demo users, their password and what each can see."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from changhu.orgs import demo
from changhu.orgs.models import User
from changhu.orgs.roles import Role


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def login_rows() -> list[tuple[str, str, str, str]]:
    """(role, username, organization, what they see) for every demo login, Chinese + English."""
    rows = []
    for login in demo.DEMO_LOGINS:
        role = f"{Role(login.role).label} {login.role}" if login.role else "平台管理员 superuser"
        rows.append(
            (role, login.username, login.organization or "-", f"{login.sees_zh} / {login.sees_en}")
        )
    return rows


class Command(BaseCommand):
    help = "Print the demo logins (role, username, password, what they can see) and the URL."

    def handle(self, *args, **options):
        try:
            present = set(
                User.objects.values_list("username", flat=True).filter(
                    username__in=[login.username for login in demo.DEMO_LOGINS]
                )
            )
        except DatabaseError:
            present = None
        header = ("角色 Role", "用户名 Username", "机构 Organization", "可见范围 What they see")
        rows = login_rows()
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(3)]
        out = self.stdout
        out.write("")
        out.write(f"长护 Changhu demo: {demo.DEMO_URL}")
        out.write(f"所有演示账号的密码 Password for every demo login: {demo.DEMO_PASSWORD}")
        out.write("")
        out.write("  ".join(_pad(h, w) for h, w in zip(header, [*widths, 0], strict=True)))
        out.write("  ".join("-" * w for w in [*widths, _width(header[3])]))
        for row in rows:
            line = "  ".join(_pad(v, w) for v, w in zip(row, [*widths, 0], strict=True))
            if present is not None and row[1] not in present:
                line += "  （尚未创建 not created yet: run changhu seed-demo）"
            out.write(line)
        out.write("")
        out.write(
            "演示数据仅供体验，请勿用于生产环境。Demo data only; never use these logins in "
            "production."
        )
