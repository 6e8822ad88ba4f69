"""``changhu match-deaths FILE [--dry-run]``: a death list (姓名, 身份证号码, 死亡日期)."""

from changhu.matching.commands import MatchCommand
from changhu.matching.models import ListKind, ListSource


class Command(MatchCommand):
    help = "Match a death list (CSV or XLSX: 姓名, 身份证号码, 死亡日期) against the register."
    kind = ListKind.DEATHS
    default_source = ListSource.CIVIL_AFFAIRS
