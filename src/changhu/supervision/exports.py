"""Excel exports of the supervision lists, in the reader's scope; every export is audited."""

from __future__ import annotations

from changhu.core import excel


def workbook(*, actor, what: str, headers: list[str], rows) -> bytes:
    """The rows under ``headers`` as an .xlsx file, once the export is audited."""
    return excel.audited_workbook(
        actor=actor, what=what, object_type="supervision.export", headers=headers, rows=rows
    )


TASK_HEADERS = [
    "任务名称",
    "检查类型",
    "检查月份",
    "检查范围",
    "抽查机构数",
    "抽查服务对象数",
    "抽样种子",
    "状态",
    "计划时间",
]


def task_rows(tasks):
    for t in tasks:
        yield [
            t.title,
            t.get_kind_display(),
            t.period,
            t.region_name,
            t.institution_sample,
            t.beneficiary_sample,
            str(t.seed),
            t.get_status_display(),
            t.created_at,
        ]


TARGET_HEADERS = [
    "顺序",
    "对象类型",
    "护理机构",
    "服务对象",
    "风险权重",
    "抽中原因",
    "状态",
    "得分",
    "检查时间",
]


def target_rows(targets):
    for t in targets:
        yield [
            t.position,
            t.get_target_display(),
            t.institution.organization.name,
            t.person.name if t.person_id else "",
            t.weight,
            t.reason,
            t.get_status_display(),
            t.score,
            t.inspected_at,
        ]


RECTIFICATION_HEADERS = [
    "通知书编号",
    "护理机构",
    "检查内容",
    "问题描述",
    "严重程度",
    "法规依据",
    "下达日期",
    "整改期限",
    "状态",
    "退回次数",
    "最近复查意见",
]


def rectification_rows(rows):
    for r in rows:
        f = r.finding
        yield [
            r.notice_number,
            r.institution.organization.name,
            f.item,
            f.description,
            f.get_severity_display(),
            f.legal_basis,
            r.issued_on,
            r.deadline,
            r.get_status_display(),
            r.rounds,
            r.last_reason,
        ]


APPEAL_HEADERS = ["护理机构", "申诉事项", "申诉理由", "申诉时间", "裁决期限", "状态", "裁决意见"]


def appeal_rows(rows):
    for a in rows:
        yield [
            a.institution.organization.name,
            a.subject,
            a.reason,
            a.filed_at,
            a.due_on,
            a.get_status_display(),
            a.decision_reason,
        ]
