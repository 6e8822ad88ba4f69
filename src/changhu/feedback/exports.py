"""Excel downloads of the lists, the rows the reader sees with the page's filters."""

from __future__ import annotations

from django.utils import timezone

from changhu.core import excel


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def complaints_sheet(rows) -> excel.Sheet:
    from changhu.feedback import selectors

    return excel.Sheet(
        "投诉",
        [
            "投诉编号",
            "收到时间",
            "渠道",
            "类别",
            "状态",
            "超期",
            "护理机构",
            "护理员",
            "服务对象",
            "投诉内容",
            "受理期限",
            "答复期限",
            "答复",
            "查实",
            "满意度",
        ],
        (
            [
                c.number,
                _when(c.received_at),
                c.get_channel_display(),
                c.get_category_display(),
                c.get_status_display(),
                "是" if selectors.is_overdue(c) else "",
                c.institution.organization.name if c.institution_id else "",
                c.caregiver.name if c.caregiver_id else "",
                c.person.name if c.person_id else "",
                c.content,
                c.ack_due,
                c.reply_due,
                c.reply,
                {True: "属实", False: "不属实"}.get(c.substantiated, ""),
                c.satisfaction,
            ]
            for c in rows
        ),
    )


def return_visits_sheet(rows) -> excel.Sheet:
    return excel.Sheet(
        "回访",
        ["月份", "护理机构", "参保人", "风险权重", "回访结果", "回访时间", "服务不实情况", "备注"],
        (
            [
                rv.period,
                rv.institution.organization.name,
                rv.person.name,
                rv.weight,
                rv.get_status_display(),
                _when(rv.called_at),
                rv.discrepancy,
                rv.note,
            ]
            for rv in rows
        ),
    )


def surveys_sheet(rows, scores) -> list[excel.Sheet]:
    answers = excel.Sheet(
        "满意度答卷",
        [
            "登记时间",
            "月份",
            "来源",
            "参保人",
            "护理机构",
            "护理员",
            "机构平均分",
            "护理员平均分",
            "意见建议",
        ],
        (
            [
                _when(r.created_at),
                r.period,
                r.get_channel_display(),
                r.person.name,
                r.institution.organization.name,
                r.caregiver.name if r.caregiver_id else "",
                round(r.institution_points / r.institution_items, 2) if r.institution_items else "",
                round(r.caregiver_points / r.caregiver_items, 2) if r.caregiver_items else "",
                r.comment,
            ]
            for r in rows
        ),
    )
    by_institution = excel.Sheet(
        "机构得分",
        ["护理机构", "答卷数", "平均分（满分5分）", "得分率（%）"],
        ([r["name"], r["responses"], r["average"], r["percent"]] for r in scores["institution"]),
    )
    by_caregiver = excel.Sheet(
        "护理员得分",
        ["护理员", "护理机构", "答卷数", "平均分（满分5分）", "得分率（%）"],
        (
            [r["name"], r["institution"], r["responses"], r["average"], r["percent"]]
            for r in scores["caregiver"]
        ),
    )
    return [answers, by_institution, by_caregiver]
