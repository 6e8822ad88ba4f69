"""Every write of the supervision app: plan and sample, record, rectify, re-check, escalate, appeal.

Each function checks the actor's right and data scope, validates, moves the row through its
workflow (:mod:`changhu.core.transitions`, which logs the move) and records the audit entry,
all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from changhu.core import audit, clock, months, workdays
from changhu.core.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from changhu.core.scope import get_scoped, require, scope_of
from changhu.core.transitions import Transition, Workflow, apply
from changhu.core.uploads import check_image, check_upload, store_once
from changhu.orgs.models import OrgKind, Region
from changhu.orgs.roles import Right
from changhu.providers.models import Institution
from changhu.supervision import checklists, risk, sampling, selectors
from changhu.supervision.models import (
    AnswerDecision,
    Appeal,
    AppealStatus,
    ChecklistTarget,
    Evidence,
    InspectionFinding,
    InspectionFindingStatus,
    InspectionKind,
    InspectionPhoto,
    InspectionTarget,
    InspectionTask,
    Rectification,
    RectificationAnswer,
    RectificationStatus,
    TargetStatus,
    TaskStatus,
)

MAX_SAMPLE = 50
MAX_PHOTOS = 10
MAX_EVIDENCE = 5
PHOTO_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_APPEAL_WORKING_DAYS = 10

_T = TaskStatus
TASK_FLOW = Workflow(
    "inspection_task",
    {
        "start": Transition({_T.PLANNED}, _T.IN_PROGRESS, Right.SUPERVISION_INSPECT, "开始检查"),
        "complete": Transition(
            {_T.PLANNED, _T.IN_PROGRESS}, _T.COMPLETED, Right.SUPERVISION_INSPECT, "完成检查"
        ),
        "cancel": Transition({_T.PLANNED}, _T.CANCELLED, Right.SUPERVISION_PLAN, "取消任务"),
    },
    labels=TaskStatus,
)
_R = RectificationStatus
RECTIFICATION_FLOW = Workflow(
    "rectification",
    {
        "submit": Transition(
            {_R.PENDING, _R.ESCALATED}, _R.SUBMITTED, Right.SUPERVISION_RESPOND, "提交整改"
        ),
        "accept": Transition({_R.SUBMITTED}, _R.ACCEPTED, Right.SUPERVISION_REVIEW, "复查通过"),
        "reject": Transition({_R.SUBMITTED}, _R.PENDING, Right.SUPERVISION_REVIEW, "复查退回"),
        "escalate": Transition({_R.PENDING}, _R.ESCALATED, Right.SUPERVISION_REVIEW, "逾期督办"),
        "withdraw": Transition(
            {_R.PENDING, _R.ESCALATED, _R.SUBMITTED},
            _R.WITHDRAWN,
            Right.SUPERVISION_REVIEW,
            "申诉成立撤销",
        ),
    },
    labels=RectificationStatus,
)
_A = AppealStatus
APPEAL_FLOW = Workflow(
    "appeal",
    {
        "uphold": Transition({_A.PENDING}, _A.UPHELD, Right.SUPERVISION_REVIEW, "申诉成立"),
        "reject": Transition({_A.PENDING}, _A.REJECTED, Right.SUPERVISION_REVIEW, "申诉不成立"),
    },
    labels=AppealStatus,
)


def appeal_working_days() -> int:
    """How many working days a supervisor has to decide an appeal (setting, default 10)."""
    return int(getattr(settings, "SUPERVISION_APPEAL_WORKING_DAYS", DEFAULT_APPEAL_WORKING_DAYS))


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


# --- planning and sampling ------------------------------------------------------------------


def _region(s, code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), active=True).first()
    if region is None or region.level == "street":
        raise field_error("region_code", "region_invalid", "请选择检查的市或区县")
    if not s.unrestricted and not any(region.prefix.startswith(p) for p in s.region_prefixes):
        raise field_error("region_code", "region_invalid", "检查范围超出本人负责的地区")
    return region


def _sample_size(value, name: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if not 0 <= n <= MAX_SAMPLE:
        raise field_error(name, "sample_size_invalid", f"抽查数量应为0至{MAX_SAMPLE}")
    return n


def _checklist(target: str, day: dt.date):
    checklists.ensure_loaded()
    found = checklists.checklist_on(checklists.DEFAULT_CODES[target], day)
    if found is None:
        raise Conflict("没有生效的检查表，请先加载预置数据", code="no_checklist")
    return found


def task_plan(
    *,
    actor,
    title: str,
    kind: str,
    period: str,
    region_code: str,
    institution_sample: int,
    beneficiary_sample: int,
    seed: int | None = None,
    note: str = "",
) -> InspectionTask:
    """Plan an inspection task and draw its sample at once (reproducible from ``seed``)."""
    s = require(actor, Right.SUPERVISION_PLAN)
    title = _text(title, 100)
    if not title:
        raise field_error("title", "title_required", "请填写任务名称")
    if kind not in InspectionKind.values:
        raise field_error("kind", "kind_invalid", "检查类型应为日常巡查、专项检查或飞行检查")
    try:
        first, _ = months.bounds(str(period))
    except ValueError:
        raise field_error("period", "period_invalid", "检查月份应为YYYY-MM格式") from None
    region = _region(s, region_code)
    n_inst = _sample_size(institution_sample, "institution_sample")
    n_person = _sample_size(beneficiary_sample, "beneficiary_sample")
    if n_inst + n_person == 0:
        raise field_error("institution_sample", "sample_size_invalid", "至少抽查一个对象")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**53)
    day = clock.today()
    with transaction.atomic():
        task = InspectionTask.objects.create(
            title=title,
            kind=kind,
            period=f"{first:%Y-%m}",
            region_code=region.prefix,
            region_name=region.full_name or region.name,
            institution_sample=n_inst,
            beneficiary_sample=n_person,
            seed=int(seed),
            institution_checklist=_checklist(ChecklistTarget.INSTITUTION, day),
            beneficiary_checklist=_checklist(ChecklistTarget.BENEFICIARY, day),
            note=(note or "").strip()[:300],
            planned_by=actor,
        )
        drawn = _draw(task, clock.today())
        if not drawn:
            raise Conflict("检查范围内没有可抽查的机构或服务对象", code="no_candidates")
        audit.record(
            action="create",
            obj=task,
            user=actor,
            note=f"制定{task.get_kind_display()}计划{task.period}，抽取{drawn}个对象（种子{seed}）",
        )
    return task


def _draw(task: InspectionTask, day: dt.date) -> int:
    """Store the task's sample: institutions first, then beneficiaries, each by weighted draw."""
    institutions = selectors.sample_institutions(task.region_code)
    persons = selectors.sample_persons(task.region_code, day)
    position = 0
    rows = []
    inst_risk = risk.institution_risks(institutions, day)
    chosen = sampling.weighted_sample(
        [(i, inst_risk[i].weight) for i in institutions], task.institution_sample, task.seed
    )
    regions = dict(
        Institution.objects.filter(pk__in=set(institutions) | set(persons.values())).values_list(
            "pk", "region_code"
        )
    )
    for pk in chosen:
        position += 1
        rows.append(
            InspectionTarget(
                task=task,
                target=ChecklistTarget.INSTITUTION,
                position=position,
                institution_id=pk,
                region_code=regions[pk],
                weight=inst_risk[pk].weight,
                reason=inst_risk[pk].reason[:300],
                checklist=task.institution_checklist,
            )
        )
    person_risk = risk.person_risks(persons, day)
    chosen = sampling.weighted_sample(
        [(p, person_risk[p].weight) for p in persons], task.beneficiary_sample, task.seed + 1
    )
    person_regions = selectors.person_regions(chosen)
    for pk in chosen:
        position += 1
        rows.append(
            InspectionTarget(
                task=task,
                target=ChecklistTarget.BENEFICIARY,
                position=position,
                institution_id=persons[pk],
                person_id=pk,
                region_code=person_regions[pk],
                weight=person_risk[pk].weight,
                reason=person_risk[pk].reason[:300],
                checklist=task.beneficiary_checklist,
            )
        )
    InspectionTarget.objects.bulk_create(rows)
    return len(rows)


def task_cancel(*, actor, task_id: int, reason: str) -> InspectionTask:
    """Cancel a task not yet begun."""
    require(actor, Right.SUPERVISION_PLAN)
    reason = _text(reason, 300)
    if not reason:
        raise field_error("reason", "reason_required", "请填写取消原因")
    with transaction.atomic():
        task = get_scoped(InspectionTask.objects.select_for_update(), actor, pk=task_id)
        apply(TASK_FLOW, task, "cancel", actor=actor, reason=reason)
    return task


# --- recording on the phone -----------------------------------------------------------------


def photo_upload(*, actor, upload) -> tuple[InspectionPhoto, bool]:
    """Store an inspection photo (JPEG/PNG checked by content), once per content hash."""
    s = require(actor, Right.SUPERVISION_INSPECT)
    checked = check_image(upload, max_bytes=PHOTO_MAX_BYTES, field="file")
    existing = InspectionPhoto.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing, False
    photo = InspectionPhoto(
        sha256=checked.sha256,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
        region_prefixes=list(s.region_prefixes),
    )
    note = f"上传检查照片（{checked.content_type}，{checked.size}字节）"
    return store_once(photo, upload, checked, actor=actor, note=note)


@dataclass
class Answer:
    ok: bool
    note: str = ""


@dataclass
class Record:
    answers: dict[str, Answer]
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    photo_sha256s: list[str] = field(default_factory=list)
    summary: str = ""


def _position(data: Record) -> tuple[float | None, float | None, float | None]:
    if data.latitude is None or data.longitude is None:
        return None, None, None
    lat, lon = float(data.latitude), float(data.longitude)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(
            "经纬度超出范围（纬度-90至90，经度-180至180）",
            code="coordinates_out_of_range",
            fields={"latitude": "纬度应在-90至90之间", "longitude": "经度应在-180至180之间"},
        )
    acc = None if data.accuracy_m is None else float(data.accuracy_m)
    if acc is not None and not 0 < acc <= 100_000:
        raise field_error("accuracy_m", "accuracy_invalid", "定位精度应大于0且不超过100000米")
    return lat, lon, acc


def _photos(shas: list[str]) -> list[int]:
    ids = []
    for sha in shas[:MAX_PHOTOS]:
        pk = (
            InspectionPhoto.objects.filter(sha256=(sha or "").strip().lower())
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise field_error("photo_sha256s", "photo_unknown", "照片尚未上传，请先上传照片")
        ids.append(pk)
    return ids


def _checked_answers(items: list[dict], answers: dict[str, Answer]) -> list[dict]:
    codes = [item["code"] for item in items]
    unknown = sorted(set(answers) - set(codes))
    if unknown:
        raise field_error("answers", "answer_unknown", f"检查表没有此项：{unknown[0]}")
    missing = [item["item"] for item in items if item["code"] not in answers]
    if missing:
        raise field_error("answers", "answers_incomplete", f"检查表未填写完整：{missing[0]}")
    results = []
    for item in items:
        answer = answers[item["code"]]
        note = (answer.note or "").strip()[:500]
        if not answer.ok and not note:
            raise field_error(
                "answers", "description_required", f"不合格项须描述发现的问题：{item['item']}"
            )
        results.append({**item, "ok": bool(answer.ok), "note": note})
    return results


def notice_number(finding: InspectionFinding, day: dt.date) -> str:
    return f"ZG{day:%Y%m%d}{finding.pk:06d}"


def inspection_record(*, actor, target_id: int, data: Record) -> InspectionTarget:
    """Record one sampled target on the phone: answers per item, photos, GPS and time. Each item
    not met becomes a finding with its rectification notice (整改通知)."""
    require(actor, Right.SUPERVISION_INSPECT)
    lat, lon, acc = _position(data)
    photo_ids = _photos(data.photo_sha256s)
    now = clock.now()
    today = clock.today()
    with transaction.atomic():
        target = get_scoped(
            InspectionTarget.objects.select_for_update().select_related("task", "checklist"),
            actor,
            pk=target_id,
        )
        task = target.task
        if task.status not in (TaskStatus.PLANNED, TaskStatus.IN_PROGRESS):
            raise Conflict(f"检查任务{task.get_status_display()}，不能登记", code="task_closed")
        if target.status != TargetStatus.PENDING:
            raise Conflict("该对象已检查登记", code="already_recorded")
        results = _checked_answers(target.checklist.items, data.answers)
        days = target.checklist.rectify_working_days
        target.answers = results
        target.score = sum(r["points"] for r in results if r["ok"])
        target.status = TargetStatus.RECORDED
        target.inspector = actor
        target.inspected_at = now
        target.latitude, target.longitude, target.accuracy_m = lat, lon, acc
        target.summary = (data.summary or "").strip()[:1000]
        target.save()
        if photo_ids:
            target.photos.set(photo_ids)
        failed = [r for r in results if not r["ok"]]
        for r in failed:
            finding = InspectionFinding.objects.create(
                target=target,
                task=task,
                institution_id=target.institution_id,
                region_code=target.region_code,
                item_code=r["code"],
                item=r["item"][:300],
                points=r["points"],
                severity=r["severity"],
                legal_basis=r["legal_basis"][:300],
                description=r["note"],
                raised_by=actor,
            )
            rectification = Rectification.objects.create(
                finding=finding,
                institution_id=target.institution_id,
                region_code=target.region_code,
                notice_number=notice_number(finding, today),
                issued_on=today,
                deadline=workdays.add_working_days(today, int(days[r["severity"]])),
            )
            audit.record(
                action="create",
                obj=rectification,
                user=actor,
                note=f"下达整改通知：{finding.item[:60]}，期限{rectification.deadline}",
            )
        audit.record(
            action="update",
            obj=target,
            user=actor,
            note=f"现场检查：得分{target.score}，发现问题{len(failed)}项",
        )
        if task.status == TaskStatus.PLANNED:
            apply(TASK_FLOW, task, "start", actor=actor)
        if not task.targets.filter(status=TargetStatus.PENDING).exists():
            apply(TASK_FLOW, task, "complete", actor=actor, extra_updates={"completed_at": now})
    return target


# --- the rectification loop -----------------------------------------------------------------


def _own_institution(actor) -> Institution:
    s = scope_of(actor)
    institution = None
    if s.organization_kind == OrgKind.CARE:
        institution = Institution.objects.filter(organization_id=s.organization_id).first()
    if institution is None:
        raise PermissionDenied("只有定点护理机构可以办理")
    return institution


def rectification_answer(*, actor, rectification_id: int, text: str, files=()) -> Rectification:
    """The institution answers a notice with what it put right and evidence files."""
    require(actor, Right.SUPERVISION_RESPOND)
    _own_institution(actor)
    text = _text(text, 2000)
    if not text:
        raise field_error("text", "text_required", "请填写整改情况")
    files = list(files or [])
    if len(files) > MAX_EVIDENCE:
        raise field_error("files", "evidence_too_many", f"佐证材料最多{MAX_EVIDENCE}个文件")
    checked = [check_upload(f, max_bytes=EVIDENCE_MAX_BYTES, field="files") for f in files]
    with transaction.atomic():
        rectification = get_scoped(
            Rectification.objects.select_for_update(), actor, pk=rectification_id
        )
        apply(RECTIFICATION_FLOW, rectification, "submit", actor=actor, reason=text[:200])
        answer = RectificationAnswer.objects.create(
            rectification=rectification, text=text, answered_by=actor
        )
        for upload, info in zip(files, checked, strict=True):
            upload.seek(0)
            evidence = Evidence(
                answer=answer,
                name=(getattr(upload, "name", "") or f"佐证.{info.extension}")[:200],
                content_type=info.content_type,
                size=info.size,
                sha256=info.sha256,
            )
            evidence.file.save(f"{info.sha256}.{info.extension}", ContentFile(upload.read()))
        audit.record(
            action="update",
            obj=rectification,
            user=actor,
            note=f"提交整改答复（佐证材料{len(checked)}份）",
        )
    return rectification


def rectification_review(
    *,
    actor,
    rectification_id: int,
    decision: str,
    reason: str = "",
    working_days: int | None = None,
) -> Rectification:
    """The supervisor re-checks an answer: accept closes the finding; reject sends it back with a
    reason and a new deadline (``working_days`` from today, by default the checklist's)."""
    require(actor, Right.SUPERVISION_REVIEW)
    if decision not in ("accept", "reject"):
        raise field_error("decision", "decision_invalid", "复查结果应为通过或退回")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise field_error("reason", "reason_required", "退回须填写复查意见")
    now, today = clock.now(), clock.today()
    with transaction.atomic():
        rectification = get_scoped(
            Rectification.objects.select_for_update().select_related("finding__target__checklist"),
            actor,
            pk=rectification_id,
        )
        finding = rectification.finding
        updates: dict = {"reviewed_by": actor, "last_reason": reason[:500]}
        if decision == "accept":
            updates["closed_at"] = now
        else:
            days = working_days
            if days is None:
                days = finding.target.checklist.rectify_working_days[finding.severity]
            if not isinstance(days, int) or not 1 <= days <= 60:
                raise field_error("working_days", "deadline_invalid", "整改期限应为1至60个工作日")
            updates["deadline"] = workdays.add_working_days(today, days)
            updates["rounds"] = rectification.rounds + 1
        apply(
            RECTIFICATION_FLOW,
            rectification,
            decision,
            actor=actor,
            reason=reason or "复查通过",
            extra_updates=updates,
        )
        RectificationAnswer.objects.filter(
            rectification=rectification, decision=AnswerDecision.WAITING
        ).update(
            decision=AnswerDecision.ACCEPTED if decision == "accept" else AnswerDecision.REJECTED,
            decided_by=actor,
            decided_at=now,
            decision_reason=reason[:500],
        )
        if decision == "accept":
            InspectionFinding.objects.filter(pk=finding.pk).update(
                status=InspectionFindingStatus.CLOSED
            )
            audit.record(action="update", obj=finding, user=actor, note="整改复查通过，销号")
    return rectification


def escalate_overdue(*, actor=None, today: dt.date | None = None) -> list[Rectification]:
    """Escalate (逾期督办) every notice still unanswered after its deadline. Run by
    ``changhu supervision-escalate`` (no actor: the system) or by a supervisor for their scope."""
    today = today or clock.today()
    rows = Rectification.objects.filter(status=RectificationStatus.PENDING, deadline__lt=today)
    if actor is not None:
        require(actor, Right.SUPERVISION_REVIEW)
        rows = selectors.scoped_rectifications(rows, actor)
    done = []
    for pk in rows.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            rectification = Rectification.objects.select_for_update().get(pk=pk)
            if rectification.status != RectificationStatus.PENDING:
                continue
            late = workdays.working_days_between(rectification.deadline, today)
            apply(
                RECTIFICATION_FLOW,
                rectification,
                "escalate",
                actor=actor,
                check_right=False,
                reason=f"超过整改期限{rectification.deadline}未答复（逾期{late}个工作日）",
                extra_updates={"escalated_at": clock.now()},
            )
            done.append(rectification)
    return done


# --- appeals --------------------------------------------------------------------------------


def appeal_file(
    *,
    actor,
    reason: str,
    inspection_finding_id: int | None = None,
    screening_finding_id: int | None = None,
) -> Appeal:
    """The institution appeals an inspection finding or an open screening finding; the decision is
    due within the configured number of working days."""
    require(actor, Right.SUPERVISION_RESPOND)
    institution = _own_institution(actor)
    reason = _text(reason, 2000)
    if not reason:
        raise field_error("reason", "reason_required", "请填写申诉理由")
    if (inspection_finding_id is None) == (screening_finding_id is None):
        raise field_error("finding", "finding_not_appealable", "请选择要申诉的一项发现")
    with transaction.atomic():
        if inspection_finding_id is not None:
            finding = selectors.inspection_finding_get(
                fetched_by=actor, finding_id=inspection_finding_id
            )
            if finding.status != InspectionFindingStatus.OPEN:
                raise Conflict("该检查发现已销号或撤销，不能申诉", code="finding_not_appealable")
            link = {"inspection_finding": finding}
        else:
            finding = selectors.screening_finding_get(
                fetched_by=actor, finding_id=screening_finding_id
            )
            if finding.status != "open":
                raise Conflict("该稽核发现已处理，不能申诉", code="finding_not_appealable")
            link = {"screening_finding": finding}
        if finding.institution_id != institution.pk:
            raise PermissionDenied("只能对本机构的发现提出申诉")
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    **link,
                    institution=institution,
                    region_code=finding.region_code,
                    reason=reason,
                    filed_by=actor,
                    due_on=workdays.add_working_days(clock.today(), appeal_working_days()),
                )
        except IntegrityError:
            raise Conflict("该发现已有待裁决的申诉", code="appeal_pending") from None
        audit.record(action="create", obj=appeal, user=actor, note=f"提出申诉：{reason[:200]}")
    return appeal


def _involved(appeal: Appeal) -> set[int]:
    """Who raised or decided the appealed finding: they may not decide the appeal."""
    people = set()
    if appeal.inspection_finding_id:
        finding = appeal.inspection_finding
        people.add(finding.raised_by_id)
        rectification = getattr(finding, "rectification", None)
        if rectification is not None:
            people.add(rectification.reviewed_by_id)
    else:
        people.add(appeal.screening_finding.resolved_by_id)
    return {pk for pk in people if pk}


def appeal_decide(*, actor, appeal_id: int, decision: str, reason: str) -> Appeal:
    """A supervisor who neither raised nor decided the finding upholds or rejects the appeal.
    Upheld: an inspection finding is withdrawn with its notice; a screening finding is dismissed
    through the visits service."""
    require(actor, Right.SUPERVISION_REVIEW)
    if decision not in ("uphold", "reject"):
        raise field_error("decision", "decision_invalid", "裁决结果应为申诉成立或不成立")
    reason = _text(reason, 500)
    if not reason:
        raise field_error("reason", "reason_required", "请填写裁决意见")
    with transaction.atomic():
        appeal = get_scoped(
            Appeal.objects.select_for_update(of=("self",)).select_related(
                "inspection_finding", "screening_finding"
            ),
            actor,
            pk=appeal_id,
        )
        if actor.pk in _involved(appeal):
            raise Conflict(
                "提出或处理该发现的人员不能裁决其申诉，请由其他监管人员裁决", code="same_person"
            )
        apply(
            APPEAL_FLOW,
            appeal,
            decision,
            actor=actor,
            reason=reason,
            extra_updates={
                "decided_by": actor,
                "decided_at": clock.now(),
                "decision_reason": reason,
            },
        )
        if decision == "uphold":
            if appeal.inspection_finding_id:
                _withdraw(actor, appeal.inspection_finding, reason)
            else:
                from changhu.visits.services import finding_resolve

                finding_resolve(
                    actor=actor,
                    finding_id=appeal.screening_finding_id,
                    decision="dismiss",
                    reason=f"申诉成立：{reason}",
                )
    return appeal


def _withdraw(actor, finding: InspectionFinding, reason: str) -> None:
    InspectionFinding.objects.filter(pk=finding.pk).update(status=InspectionFindingStatus.DISMISSED)
    audit.record(action="update", obj=finding, user=actor, note=f"申诉成立，撤销：{reason[:200]}")
    rectification = Rectification.objects.select_for_update().get(finding=finding)
    if rectification.status in RECTIFICATION_FLOW.transitions["withdraw"].sources:
        apply(
            RECTIFICATION_FLOW,
            rectification,
            "withdraw",
            actor=actor,
            reason=f"申诉成立：{reason}",
            extra_updates={"closed_at": clock.now()},
        )
