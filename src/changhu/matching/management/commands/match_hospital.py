"""``changhu match-hospital FILE [--dry-run]``: hospital admissions (姓名, 身份证号码, 入院日期,
optional 出院日期 and 医院名称)."""

from changhu.matching.commands import MatchCommand
from changhu.matching.models import ListKind, ListSource


class Command(MatchCommand):
    help = (
        "Match hospital admissions (CSV or XLSX: 姓名, 身份证号码, 入院日期, optional 出院日期, "
        "医院名称) against the register."
    )
    kind = ListKind.HOSPITAL
    default_source = ListSource.MEDICAL_SETTLEMENT
