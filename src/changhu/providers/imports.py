"""Import of institutions and caregivers: the columns and what a row means.

The reading (CSV or Excel), the batch lifecycle (preview → commit or discard → purge) and the
error log are ``changhu.core.imports``. A row is checked with the same services as a hand entry
and written through them: an institution designated before this system with its agreement, a
caregiver with an optional certificate.
"""

from __future__ import annotations

import re

from changhu.core import crypto, scope
from changhu.core.errors import DomainError, ValidationFailed
from changhu.core.identity import normalize_id_number
from changhu.core.imports import lifecycle
from changhu.core.imports.cells import DATE, DIGITS, Column
from changhu.core.imports.run import ImportKind, RowHandler, RowProblems
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import rules, selectors, services
from changhu.providers.models import Caregiver, CaregiverKind, ImportBatch, Institution

Kind = ImportBatch.Kind

INSTITUTION_COLUMNS: tuple[Column, ...] = (
    Column("name", "机构名称", required=True, hint="与营业执照一致，最长100字"),
    Column("uscc", "统一社会信用代码", aliases=("信用代码",), required=True, hint="18位"),
    Column("care_kind", "机构类别", required=True, hint="、".join(rules.KIND_LABELS.values())),
    Column(
        "region_code",
        "所在区县/街道代码",
        aliases=("区划代码",),
        required=True,
        hint="6位区县或12位街道代码",
        cell=DIGITS,
    ),
    Column("address", "地址", required=True, hint="最长200字"),
    Column("latitude", "纬度", hint="WGS-84"),
    Column("longitude", "经度", hint="WGS-84"),
    Column("beds", "床位数", hint="整数；提供机构照护时必填"),
    Column(
        "care_modes",
        "照护方式",
        required=True,
        hint="可多个，用顿号分隔：" + "、".join(rules.MODE_LABELS.values()),
    ),
    Column("staff_count", "从业人员数", hint="整数"),
    Column("nurse_count", "护士数", hint="整数"),
    Column("care_worker_count", "护理员数", hint="整数"),
    Column("legal_representative", "法定代表人"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话", hint="手机号或带区号的固话", cell=DIGITS),
    Column("agreement_number", "协议编号", hint="留空自动编号"),
    Column("agreement_from", "协议起始日", required=True, hint="YYYY-MM-DD", cell=DATE),
    Column("agreement_until", "协议终止日", required=True, hint="YYYY-MM-DD", cell=DATE),
)
CAREGIVER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", required=True),
    Column(
        "id_number",
        "身份证号码",
        aliases=("身份证号",),
        required=True,
        hint="18位；请把该列设为“文本”格式",
        cell=DIGITS,
    ),
    Column("phone", "手机号码", aliases=("联系电话", "电话"), hint="11位手机号", cell=DIGITS),
    Column("institution", "所属机构", hint="机构名称或统一社会信用代码；护理机构上传时可不填"),
    Column("kind", "类别", required=True, hint="机构护理员、个体服务人员或亲情护理员"),
    Column("qualification", "资质", hint="护理员 或 护士，默认护理员"),
    Column("hired_on", "入职日期", hint="YYYY-MM-DD，默认今天", cell=DATE),
    Column("beneficiary_id_number", "亲情护理对象身份证号码", hint="亲情护理员必填", cell=DIGITS),
    Column("relationship", "与护理对象关系", hint="如 子女、配偶"),
    Column("certificate_kind", "证书类别", hint="护理员证、护士执业证书、培训合格证、健康证"),
    Column("certificate_number", "证书编号"),
    Column("certificate_issued_on", "发证日期", hint="YYYY-MM-DD", cell=DATE),
    Column(
        "certificate_expires_on",
        "证书有效期至",
        aliases=("有效期至",),
        hint="YYYY-MM-DD",
        cell=DATE,
    ),
)
COLUMNS = {Kind.INSTITUTIONS: INSTITUTION_COLUMNS, Kind.CAREGIVERS: CAREGIVER_COLUMNS}
_SPLIT = re.compile(r"[,，、;；/\s]+")
_CERTIFICATE_FIELDS = (
    "certificate_kind",
    "certificate_number",
    "certificate_issued_on",
    "certificate_expires_on",
)


def _problems(exc: DomainError, fields_map: dict[str, str] | None = None) -> list:
    """(field, code, message) from a domain error, mapped to the import's field names."""
    fields_map = fields_map or {}
    if exc.fields:
        return [
            (fields_map.get(name.split(".")[0], name.split(".")[0]), exc.code, message)
            for name, message in exc.fields.items()
        ]
    return [("", exc.code, exc.message)]


_AGREEMENT_FIELDS = {
    "number": "agreement_number",
    "valid_from": "agreement_from",
    "valid_until": "agreement_until",
    "signed_on": "agreement_from",
    "renewal_due": "agreement_until",
}


def _institution_inputs(values: dict) -> tuple[services.AdmissionInput, services.AgreementInput]:
    data = services.AdmissionInput(
        name=values.get("name", ""),
        uscc=values.get("uscc", ""),
        care_kind=values.get("care_kind", ""),
        region_code=values.get("region_code", ""),
        address=values.get("address", ""),
        latitude=values.get("latitude") or None,
        longitude=values.get("longitude") or None,
        beds=values.get("beds", ""),
        care_modes=[m for m in _SPLIT.split(values.get("care_modes", "")) if m],
        staff_count=values.get("staff_count", ""),
        nurse_count=values.get("nurse_count", ""),
        care_worker_count=values.get("care_worker_count", ""),
        legal_representative=values.get("legal_representative", ""),
        contact_name=values.get("contact_name", ""),
        contact_phone=values.get("contact_phone", ""),
    )
    agreement = services.AgreementInput(
        number=values.get("agreement_number", ""),
        signed_on=values.get("agreement_from") or None,
        valid_from=values.get("agreement_from") or None,
        valid_until=values.get("agreement_until") or None,
    )
    return data, agreement


def _check_institution(values: dict, number: int, seen: dict, s: scope.Scope) -> None:
    data, agreement = _institution_inputs(values)
    problems = []
    try:
        clean = services.clean_admission(data)
    except ValidationFailed as exc:
        problems += _problems(exc)
        clean = None
    try:
        services.clean_agreement(agreement)
    except ValidationFailed as exc:
        problems += _problems(exc, _AGREEMENT_FIELDS)
    if clean is not None:
        if not s.covers_region(clean.region.code):
            problems.append(("region_code", "region_out_of_scope", "所选地区不在您的数据范围内"))
        for key, field, label in (
            (clean.uscc, "uscc", "统一社会信用代码"),
            (clean.name, "name", "机构名称"),
        ):
            if key in seen.setdefault(field, {}):
                problems.append(
                    (field, "import_duplicate_row", f"与第{seen[field][key]}行的{label}重复")
                )
            else:
                seen[field][key] = number
        if Institution.objects.filter(organization__uscc=clean.uscc).exists():
            problems.append(
                ("uscc", "institution_exists", "该统一社会信用代码的机构已是定点护理机构")
            )
    if problems:
        raise RowProblems(problems)


def _write_institution(actor, values: dict) -> None:
    data, agreement = _institution_inputs(values)
    try:
        services.institution_register_existing(actor=actor, data=data, agreement=agreement)
    except DomainError as exc:
        raise RowProblems(_problems(exc, _AGREEMENT_FIELDS)) from None


def _caregiver_institution(actor, s: scope.Scope, text: str) -> Institution:
    if s.organization_kind == OrgKind.CARE and not s.unrestricted:
        own = selectors.institution_for_organization(
            fetched_by=actor, organization_id=s.organization_id
        )
        if own is None:
            raise RowProblems(
                [("institution", "institution_unknown", "本机构尚未成为定点护理机构")]
            )
        if text and text not in (own.organization.name, own.organization.uscc):
            raise RowProblems([("institution", "institution_not_own", "只能导入本机构的护理员")])
        return own
    if not text:
        raise RowProblems([("institution", "institution_required", "请填写所属机构")])
    found = (
        scope.scoped(Institution.objects.select_related("organization"), actor)
        .filter(organization__name=text)
        .first()
        or scope.scoped(Institution.objects.select_related("organization"), actor)
        .filter(organization__uscc=text.upper())
        .first()
    )
    if found is None:
        raise RowProblems(
            [("institution", "institution_unknown", f"找不到机构“{text}”或不在您的数据范围内")]
        )
    return found


def _caregiver_inputs(values: dict) -> services.CaregiverInput:
    return services.CaregiverInput(
        kind=values.get("kind", ""),
        name=values.get("name", ""),
        id_number=values.get("id_number", ""),
        phone=values.get("phone", ""),
        qualification=values.get("qualification") or "care_worker",
        relationship=values.get("relationship", ""),
        hired_on=values.get("hired_on") or None,
        # A placeholder: the number is resolved to a person after the row itself is checked.
        beneficiary_id=-1 if values.get("beneficiary_id_number") else None,
    )


def _certificate_input(values: dict) -> services.CertificateInput | None:
    if not any(values.get(f) for f in _CERTIFICATE_FIELDS):
        return None
    return services.CertificateInput(
        kind=values.get("certificate_kind", ""),
        number=values.get("certificate_number", ""),
        issued_on=values.get("certificate_issued_on") or None,
        expires_on=values.get("certificate_expires_on") or None,
    )


_CERTIFICATE_MAP = {
    "kind": "certificate_kind",
    "number": "certificate_number",
    "issued_on": "certificate_issued_on",
    "expires_on": "certificate_expires_on",
}
_CAREGIVER_MAP = {"beneficiary_id": "beneficiary_id_number"}


def _check_caregiver(actor, s, values: dict, number: int, seen: dict) -> tuple:
    problems = []
    data = _caregiver_inputs(values)
    try:
        clean = services.clean_caregiver(data)
    except ValidationFailed as exc:
        problems += _problems(exc, _CAREGIVER_MAP)
        clean = None
    certificate = _certificate_input(values)
    cert_values = None
    if certificate is not None:
        try:
            cert_values = services.clean_certificate(certificate)
        except ValidationFailed as exc:
            problems += _problems(exc, _CERTIFICATE_MAP)
    institution = None
    try:
        institution = _caregiver_institution(actor, s, values.get("institution", ""))
    except RowProblems as exc:
        problems += exc.problems
    beneficiary_id = None
    if clean is not None and clean.kind == CaregiverKind.FAMILY:
        beneficiary = normalize_id_number(values.get("beneficiary_id_number", ""))
        beneficiary_id = services.person_id_by_id_number(beneficiary) if beneficiary else None
        if beneficiary_id is None:
            problems.append(
                ("beneficiary_id_number", "beneficiary_unknown", "找不到该身份证号码的参保人")
            )
        elif institution is not None:
            try:
                services.resolve_beneficiary(actor, beneficiary_id, institution)
            except DomainError as exc:
                problems += _problems(exc, _CAREGIVER_MAP)
    if clean is not None:
        if clean.id_number in seen:
            problems.append(
                (
                    "id_number",
                    "import_duplicate_row",
                    f"与第{seen[clean.id_number]}行的身份证号码重复",
                )
            )
        else:
            seen[clean.id_number] = number
        index = crypto.blind_index(clean.id_number, purpose=services.CAREGIVER_ID_PURPOSE)
        if Caregiver.objects.filter(id_number_index=index).exists():
            problems.append(("id_number", "caregiver_duplicate_id", "该身份证号码已登记为护理员"))
    if problems:
        raise RowProblems(problems)
    return clean, institution, beneficiary_id, cert_values


def _write_caregiver(actor, checked: tuple) -> None:
    clean, institution, beneficiary_id, cert_values = checked
    try:
        caregiver = services.register_clean_caregiver(
            actor=actor, clean=clean, institution=institution, beneficiary_id=beneficiary_id
        )
        if cert_values is not None:
            services.add_clean_certificate(actor=actor, caregiver=caregiver, values=cert_values)
    except DomainError as exc:
        raise RowProblems(_problems(exc, {**_CAREGIVER_MAP, **_CERTIFICATE_MAP})) from None


class _InstitutionRows(RowHandler):
    def __init__(self, run) -> None:
        super().__init__(run)
        self.seen: dict[str, dict[str, int]] = {}  # field -> value -> first row number

    def handle(self, chunk) -> None:
        run = self.run
        for row in chunk:
            run.check_and_write(
                row.number,
                lambda r=row: _check_institution(r.values, r.number, self.seen, run.scope),
                lambda _, r=row: _write_institution(run.actor, r.values),
            )


class _CaregiverRows(RowHandler):
    def __init__(self, run) -> None:
        super().__init__(run)
        self.seen: dict[str, int] = {}  # ID number -> first row number

    def handle(self, chunk) -> None:
        run = self.run
        for row in chunk:
            run.check_and_write(
                row.number,
                lambda r=row: _check_caregiver(run.actor, run.scope, r.values, r.number, self.seen),
                lambda checked: _write_caregiver(run.actor, checked),
            )


PIPELINE = lifecycle.register(
    ImportBatch,
    kinds=[
        ImportKind(
            Kind.INSTITUTIONS,
            INSTITUTION_COLUMNS,
            _InstitutionRows,
            (Right.PROVIDERS_ADMIT,),
            "定点护理机构导入模板",
        ),
        ImportKind(
            Kind.CAREGIVERS,
            CAREGIVER_COLUMNS,
            _CaregiverRows,
            (Right.CAREGIVERS_MANAGE,),
            "护理员导入模板",
        ),
    ],
)
import_upload = PIPELINE.upload
import_commit = PIPELINE.commit
import_discard = PIPELINE.discard
