"""Excel import and export of institutions and caregivers.

Upload → preview (every row checked; nothing written) → commit or discard. Commit checks the
rows again against the database as it is then and writes them through the same services as a
hand entry: all-or-nothing writes nothing while any row has an error; valid-only writes the rows
that pass. Errors name the row (as numbered in Excel), the column (its Chinese header) and the
reason. The parsed rows hold ID numbers, so they are kept encrypted, and only until the batch is
committed or discarded. Exports mask ID numbers and phones and are audited.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zipfile import BadZipFile

from django.conf import settings
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from changhu.core import audit, clock, crypto, scope
from changhu.core.errors import Conflict, DomainError, ValidationFailed
from changhu.core.identity import normalize_id_number
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import rules, selectors, services
from changhu.providers.models import CaregiverKind, ImportBatch, Institution

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
ERROR_CAP = 5_000

Kind = ImportBatch.Kind
Mode = ImportBatch.Mode
Status = ImportBatch.Status


class ImportRefused(ValidationFailed):
    """The file as a whole cannot be imported (format, headers, size)."""

    code = "import_refused"
    message = "文件无法导入"


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool = False
    hint: str = ""
    aliases: tuple[str, ...] = ()


INSTITUTION_COLUMNS: tuple[Column, ...] = (
    Column("name", "机构名称", True, "与营业执照一致，最长100字"),
    Column("uscc", "统一社会信用代码", True, "18位", ("信用代码",)),
    Column("care_kind", "机构类别", True, "、".join(rules.KIND_LABELS.values())),
    Column("region_code", "所在区县/街道代码", True, "6位区县或12位街道代码", ("区划代码",)),
    Column("address", "地址", True, "最长200字"),
    Column("latitude", "纬度", False, "WGS-84"),
    Column("longitude", "经度", False, "WGS-84"),
    Column("beds", "床位数", False, "整数；提供机构照护时必填"),
    Column(
        "care_modes",
        "照护方式",
        True,
        "可多个，用顿号分隔：" + "、".join(rules.MODE_LABELS.values()),
    ),
    Column("staff_count", "从业人员数", False, "整数"),
    Column("nurse_count", "护士数", False, "整数"),
    Column("care_worker_count", "护理员数", False, "整数"),
    Column("legal_representative", "法定代表人", False, ""),
    Column("contact_name", "联系人", False, ""),
    Column("contact_phone", "联系电话", False, "手机号或带区号的固话"),
    Column("agreement_number", "协议编号", False, "留空自动编号"),
    Column("agreement_from", "协议起始日", True, "YYYY-MM-DD"),
    Column("agreement_until", "协议终止日", True, "YYYY-MM-DD"),
)
CAREGIVER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, ""),
    Column("id_number", "身份证号码", True, "18位；请把该列设为“文本”格式", ("身份证号",)),
    Column("phone", "手机号码", False, "11位手机号", ("联系电话", "电话")),
    Column("institution", "所属机构", False, "机构名称或统一社会信用代码；护理机构上传时可不填"),
    Column("kind", "类别", True, "机构护理员、个体服务人员或亲情护理员"),
    Column("qualification", "资质", False, "护理员 或 护士，默认护理员"),
    Column("hired_on", "入职日期", False, "YYYY-MM-DD，默认今天"),
    Column("beneficiary_id_number", "亲情护理对象身份证号码", False, "亲情护理员必填"),
    Column("relationship", "与护理对象关系", False, "如 子女、配偶"),
    Column("certificate_kind", "证书类别", False, "护理员证、护士执业证书、培训合格证、健康证"),
    Column("certificate_number", "证书编号", False, ""),
    Column("certificate_issued_on", "发证日期", False, "YYYY-MM-DD"),
    Column("certificate_expires_on", "证书有效期至", False, "YYYY-MM-DD", ("有效期至",)),
)
COLUMNS = {Kind.INSTITUTIONS: INSTITUTION_COLUMNS, Kind.CAREGIVERS: CAREGIVER_COLUMNS}
_SPLIT = re.compile(r"[,，、;；/\s]+")
_CERTIFICATE_FIELDS = (
    "certificate_kind",
    "certificate_number",
    "certificate_issued_on",
    "certificate_expires_on",
)


def _labels(kind: str) -> dict[str, str]:
    return {c.field: c.label for c in COLUMNS[kind]}


def _norm(value: Any) -> str:
    text = str(value or "").strip().lstrip("*＊").strip()
    return re.sub(r"\s+", "", text.replace("（", "(").replace("）", ")"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- reading --------------------------------------------------------------------------------


def read_rows(content: bytes, kind: str) -> list[dict]:
    """The data rows of the first sheet as ``{"row": n, "values": {field: text}}``."""
    if not content:
        raise ImportRefused("文件是空的", code="import_empty_file")
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused(
            f"文件超过{MAX_FILE_BYTES // (1024 * 1024)}MB，请拆分后上传", code="import_too_large"
        )
    if not content.startswith(b"PK\x03\x04"):
        raise ImportRefused("只能导入Excel（.xlsx）文件", code="import_unsupported_format")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused(
            "无法读取该Excel文件，请另存为.xlsx后重试", code="import_unreadable"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_number, header = 0, None
        for number, cells in enumerate(rows, start=1):
            if any(_cell(c) for c in cells):
                header_number, header = number, cells
                break
        if header is None:
            raise ImportRefused("文件中没有数据", code="import_empty_file")
        positions = _map_header(header, kind)
        out = []
        for number, cells in enumerate(rows, start=header_number + 1):
            values = {
                field: _cell(cells[i]) if i < len(cells) else "" for i, field in positions.items()
            }
            if not any(values.values()):
                continue
            out.append({"row": number, "values": values})
            if len(out) > MAX_ROWS:
                raise ImportRefused(
                    f"数据超过{MAX_ROWS}行，请拆分后上传", code="import_too_many_rows"
                )
    finally:
        workbook.close()
    if not out:
        raise ImportRefused("文件中只有表头，没有数据行", code="import_no_rows")
    return out


def _map_header(cells, kind: str) -> dict[int, str]:
    lookup = {}
    for column in COLUMNS[kind]:
        for name in (column.label, column.field, *column.aliases):
            lookup[_norm(name)] = column.field
    positions: dict[int, str] = {}
    for index, cell in enumerate(cells):
        field = lookup.get(_norm(cell))
        if field and field not in positions.values():
            positions[index] = field
    missing = [c.label for c in COLUMNS[kind] if c.required and c.field not in positions.values()]
    if missing:
        raise ImportRefused(
            f"缺少必填列：{'、'.join(missing)}。请使用导入模板", code="import_missing_columns"
        )
    return positions


# --- checking and writing rows --------------------------------------------------------------


class RowProblems(Exception):
    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems


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


def _check_institution(values: dict, seen: dict, s: scope.Scope) -> None:
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
                seen[field][key] = values["_row"]
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


def _check_caregiver(actor, s, values: dict, seen: dict) -> tuple:
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
        number = normalize_id_number(values.get("beneficiary_id_number", ""))
        beneficiary_id = services.person_id_by_id_number(number) if number else None
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
            seen[clean.id_number] = values["_row"]
        index = crypto.blind_index(clean.id_number, purpose=services.CAREGIVER_ID_PURPOSE)
        if services.Caregiver.objects.filter(id_number_index=index).exists():
            problems.append(("id_number", "caregiver_duplicate_id", "该身份证号码已登记为护理员"))
    if problems:
        raise RowProblems(problems)
    return clean, institution, beneficiary_id, cert_values


def _write_caregiver(actor, s, values: dict, seen: dict) -> None:
    clean, institution, beneficiary_id, cert_values = _check_caregiver(actor, s, values, seen)
    try:
        caregiver = services.register_clean_caregiver(
            actor=actor, clean=clean, institution=institution, beneficiary_id=beneficiary_id
        )
        if cert_values is not None:
            services.add_clean_certificate(actor=actor, caregiver=caregiver, values=cert_values)
    except DomainError as exc:
        raise RowProblems(_problems(exc, {**_CAREGIVER_MAP, **_CERTIFICATE_MAP})) from None


def _require(actor, kind: str) -> scope.Scope:
    right = Right.PROVIDERS_ADMIT if kind == Kind.INSTITUTIONS else Right.CAREGIVERS_MANAGE
    return scope.require(actor, right)


@dataclass
class Outcome:
    errors: list[dict]
    error_rows: int
    written: int


def _run(actor, s, kind: str, rows: list[dict], *, write: bool, all_or_nothing: bool) -> Outcome:
    labels = _labels(kind)
    errors: list[dict] = []
    error_rows = written = 0
    seen: dict = {}
    for row in rows:
        values = {**row["values"], "_row": row["row"]}
        try:
            if kind == Kind.INSTITUTIONS:
                if write:
                    with transaction.atomic():
                        _write_institution(actor, values)
                else:
                    _check_institution(values, seen, s)
            elif write:
                with transaction.atomic():
                    _write_caregiver(actor, s, values, seen)
            else:
                _check_caregiver(actor, s, values, seen)
            written += int(write)
        except RowProblems as exc:
            error_rows += 1
            for field, code, message in exc.problems:
                if len(errors) < ERROR_CAP:
                    errors.append(
                        {
                            "row": row["row"],
                            "column": labels.get(field, field or "整行"),
                            "field": field,
                            "code": code,
                            "message": message,
                        }
                    )
            if write and all_or_nothing:
                break
    return Outcome(errors=errors, error_rows=error_rows, written=written)


def import_preview(*, actor, kind: str, file_name: str, content: bytes) -> ImportBatch:
    """Check every row of an uploaded file and keep it (encrypted) for commit; writes nothing
    else. The batch lists each error with its row, column and reason."""
    if kind not in Kind.values:
        raise ValidationFailed("导入内容应为机构或护理员", code="import_kind")
    s = _require(actor, kind)
    rows = read_rows(content, kind)
    outcome = _run(actor, s, kind, rows, write=False, all_or_nothing=False)
    batch = ImportBatch.objects.create(
        kind=kind,
        file_name=(file_name or "upload.xlsx")[:200],
        organization_id=s.organization_id,
        uploaded_by=actor,
        rows_enc=crypto.encrypt(json.dumps(rows, ensure_ascii=False)),
        total_rows=len(rows),
        valid_rows=len(rows) - outcome.error_rows,
        error_rows=outcome.error_rows,
        errors=outcome.errors,
    )
    return batch


def _has_errors(count: int) -> str:
    return f"文件中有{count}行存在错误，未导入任何数据。请修改后重新上传，或选择“仅导入正确的行”"


def import_commit(*, actor, batch_id: int, mode: str) -> ImportBatch:
    """Write a previewed batch: all-or-nothing (409 ``import_has_errors`` while any row is
    wrong, nothing written) or valid-only; audited once."""
    if mode not in Mode.values:
        raise ValidationFailed(
            "请选择导入方式", code="import_mode", fields={"mode": "导入方式无效"}
        )
    batch = selectors.import_batch_get(fetched_by=actor, batch_id=batch_id)
    s = _require(actor, batch.kind)
    if batch.status != Status.PREVIEWED:
        raise Conflict(f"该批次{batch.get_status_display()}，不能再导入", code="import_not_pending")
    if mode == Mode.ALL_OR_NOTHING and batch.error_rows:
        raise Conflict(_has_errors(batch.error_rows), code="import_has_errors")
    rows = json.loads(crypto.decrypt(batch.rows_enc))
    all_or_nothing = mode == Mode.ALL_OR_NOTHING
    outcome = None
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != Status.PREVIEWED:
                raise Conflict("该批次已处理", code="import_not_pending")
            outcome = _run(actor, s, batch.kind, rows, write=True, all_or_nothing=all_or_nothing)
            if (all_or_nothing and outcome.error_rows) or outcome.written == 0:
                raise _Rollback()
            batch.status, batch.mode = Status.COMMITTED, mode
            batch.imported_rows = outcome.written
            batch.errors = outcome.errors
            batch.error_rows = outcome.error_rows
            batch.valid_rows = outcome.written
            batch.committed_at = clock.now()
            batch.rows_enc = ""
            batch.save()
            audit.record(
                action="import",
                obj=batch,
                user=actor,
                note=f"导入{batch.get_kind_display()}{batch.imported_rows}行"
                f"（{batch.get_mode_display()}，{batch.error_rows}行有错误未导入）",
            )
    except _Rollback:
        ImportBatch.objects.filter(pk=batch.pk).update(
            errors=outcome.errors, error_rows=outcome.error_rows
        )
        if all_or_nothing and outcome.error_rows:
            raise Conflict(_has_errors(outcome.error_rows), code="import_has_errors") from None
        raise Conflict("没有可以导入的正确行", code="import_no_valid_rows") from None
    return batch


class _Rollback(Exception):
    pass


def import_discard(*, actor, batch_id: int) -> ImportBatch:
    batch = selectors.import_batch_get(fetched_by=actor, batch_id=batch_id)
    if batch.status != Status.PREVIEWED:
        raise Conflict(f"该批次{batch.get_status_display()}，不能放弃", code="import_not_pending")
    batch.status = Status.DISCARDED
    batch.rows_enc = ""
    batch.save(update_fields=["status", "rows_enc"])
    return batch


def purge_stale(before: dt.datetime, dry_run: bool = False) -> int:
    """Give up batches still in preview that were uploaded before ``before`` and delete the
    rows they hold (encrypted ID numbers and phones); totals and errors stay. Registered with
    ``core.retention``; returns how many batches."""
    stale = ImportBatch.objects.filter(status=Status.PREVIEWED, created_at__lt=before)
    if dry_run:
        return stale.count()
    count = 0
    for batch_id in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            batch = stale.select_for_update().filter(pk=batch_id).first()
            if batch is None:
                continue
            batch.status = Status.DISCARDED
            batch.rows_enc = ""
            batch.save(update_fields=["status", "rows_enc"])
            audit.record(
                action="delete",
                obj=batch,
                note=f"超过{settings.IMPORT_RETENTION_DAYS}天未确认，系统自动放弃并删除待导入数据",
            )
        count += 1
    return count


# --- workbooks ------------------------------------------------------------------------------


def _workbook(title: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report(batch: ImportBatch) -> bytes:
    """The batch's errors as a workbook: row, column, reason, code."""
    return _workbook(
        "错误报告",
        ["行号", "列", "错误说明", "错误代码"],
        ([e["row"], e["column"], e["message"], e["code"]] for e in batch.errors),
    )


def template(kind: str) -> bytes:
    """An empty import file: headers (required ones marked *) and a sheet of hints."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append([("*" if c.required else "") + c.label for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.number_format = "@"
    hints = workbook.create_sheet("填写说明")
    hints.append(["列", "是否必填", "说明"])
    for c in columns:
        hints.append([c.label, "必填" if c.required else "选填", c.hint])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Export:
    def __init__(self, what: str):
        self.pk = what
        self.what = what

    def __str__(self) -> str:
        return f"导出{self.what}"


def export_institutions(*, actor) -> bytes:
    """Institutions in the reader's scope, in the import template's columns plus status."""
    scope.require(actor, Right.PROVIDERS_VIEW)
    today = clock.today()
    rows = []
    qs = selectors.institution_list(fetched_by=actor).prefetch_related("agreements")
    for i in qs:
        org = i.organization
        agreement = next((a for a in i.agreements.all() if a.in_force_on(today)), None)
        rows.append(
            [
                org.name,
                org.uscc,
                org.get_care_kind_display(),
                org.region.code,
                org.address,
                float(i.latitude) if i.latitude is not None else "",
                float(i.longitude) if i.longitude is not None else "",
                i.beds,
                "、".join(rules.MODE_LABELS[m] for m in i.care_modes),
                i.staff_count,
                i.nurse_count,
                i.care_worker_count,
                i.legal_representative,
                org.contact_name,
                org.contact_phone,
                agreement.number if agreement else "",
                agreement.valid_from.isoformat() if agreement else "",
                agreement.valid_until.isoformat() if agreement else "",
                i.get_status_display(),
            ]
        )
    with transaction.atomic():
        audit.record(
            action="export",
            obj=_Export("定点护理机构"),
            object_type="providers.institution",
            user=actor,
            note=f"导出定点护理机构{len(rows)}家",
        )
    header = [c.label for c in INSTITUTION_COLUMNS] + ["状态"]
    return _workbook("定点护理机构", header, rows)


def export_caregivers(*, actor) -> bytes:
    """Caregivers in the reader's scope with masked ID numbers and phones; audited."""
    scope.require(actor, Right.PROVIDERS_VIEW)
    rows = []
    for c in selectors.caregiver_list(fetched_by=actor):
        proving = [x for x in c.certificates.all() if rules.CERTIFICATE_QUALIFICATION[x.kind]]
        latest = max(proving, key=lambda x: x.expires_on, default=None)
        rows.append(
            [
                c.name,
                c.id_number_masked,
                c.phone_masked,
                c.institution.organization.name,
                c.get_kind_display(),
                c.get_qualification_display(),
                c.hired_on.isoformat(),
                c.beneficiary.id_number_masked if c.beneficiary_id else "",
                c.relationship,
                latest.get_kind_display() if latest else "",
                latest.number if latest else "",
                latest.issued_on.isoformat() if latest else "",
                latest.expires_on.isoformat() if latest else "",
                c.get_status_display(),
            ]
        )
    with transaction.atomic():
        audit.record(
            action="export",
            obj=_Export("护理员"),
            object_type="providers.caregiver",
            user=actor,
            note=f"导出护理员{len(rows)}人（证件号、电话已脱敏）",
        )
    header = [c.label for c in CAREGIVER_COLUMNS] + ["状态"]
    return _workbook("护理员", header, rows)
