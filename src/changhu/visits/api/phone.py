"""The caregiver's phone: today's homes, photos, check-in, check-out, the offline batch, cancelling
and the family's code.
"""

from __future__ import annotations

from ninja import File, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import errors, stored_once, write
from changhu.core import clock
from changhu.orgs.roles import Right
from changhu.visits import rulesets, selectors, services
from changhu.visits.api._common import router
from changhu.visits.api.schemas import (
    BatchIn,
    BatchOut,
    CheckInIn,
    CheckOutIn,
    FamilyCodeOut,
    PhotoOut,
    TodayOut,
    VisitOut,
)
from changhu.visits.models import (
    ShortVisitReason,
)

# --- phone events ---------------------------------------------------------------------------


@router.post("/photos", response={200: PhotoOut, 201: PhotoOut, **errors(403, 422)})
@needs(Right.VISITS_RECORD, Right.VISITS_PATROL)
def photo_upload(request, file: File[UploadedFile]):
    """上传服务照片或签字图片（JPEG/PNG，按内容识别，不超过5MB）；同一内容只保存一次。"""
    return stored_once(*services.photo_upload(actor=request.auth, upload=file))


@router.post("/check-in", response={200: VisitOut, 201: VisitOut, **errors(403, 404, 409, 422)})
@needs(Right.VISITS_RECORD)
def check_in(request, payload: CheckInIn):
    """签到：参保人、设备时间、定位与精度、照片。同一UUID重试返回首次结果（200）。"""
    data = services.CheckIn(**payload.dict())
    visit, created = services.visit_check_in(actor=request.auth, data=data)
    return Status(201 if created else 200, visit)


def _check_out_data(payload) -> services.CheckOut:
    fields = payload.dict()
    fields["items"] = [services.ItemLine(**i) for i in fields["items"]]
    fields.pop("type", None)
    fields.pop("person_id", None)
    return services.CheckOut(**fields)


@router.post("/check-out", response={200: VisitOut, 201: VisitOut, **errors(403, 404, 409, 422)})
@needs(Right.VISITS_RECORD)
def check_out(request, payload: CheckOutIn):
    """签退：完成的服务项目及次数、定位、照片、家属确认（动态码或签字图片）。"""
    visit, created = services.visit_check_out(actor=request.auth, data=_check_out_data(payload))
    return Status(201 if created else 200, visit)


@write(router, "/batch", BatchOut, statuses=(403, 422))
@needs(Right.VISITS_RECORD)
def batch(request, payload: BatchIn):
    """离线补传：按顺序处理一天内排队的签到、签退事件，逐条返回结果。"""
    events = []
    for event in payload.events:
        if event.type == "check_in":
            data = services.CheckIn(
                client_uuid=event.client_uuid,
                person_id=event.person_id or 0,
                device_time=event.device_time,
                latitude=event.latitude,
                longitude=event.longitude,
                accuracy_m=event.accuracy_m,
                photo_sha256=event.photo_sha256,
                datum=event.datum,
            )
        else:
            data = _check_out_data(event)
        events.append((event.type, data))
    results = services.visit_batch(actor=request.auth, events=events)
    out = [
        {
            "index": r.index,
            "type": r.type,
            "client_uuid": r.client_uuid,
            "status": r.status,
            "visit": r.visit,
            "error": r.error,
        }
        for r in results
    ]
    return {
        "results": out,
        "created": sum(r.status == "created" for r in results),
        "duplicates": sum(r.status == "duplicate" for r in results),
        "errors": sum(r.status == "error" for r in results),
    }


@router.get("/today", response={200: TodayOut, **errors(403)})
def today(request):
    """护理员今天的服务对象：待遇状态、护理计划项目（勾选清单）和今天的服务记录。"""
    caregiver = selectors.caregiver_of(request.auth)
    day = clock.today()
    sheet = selectors.caregiver_day_sheet(caregiver, day)
    homes = services.home_contacts_reveal(
        actor=request.auth, caregiver=caregiver, persons=[h.person for h in sheet], day=day
    )
    out = [
        {
            "person_id": h.person.pk,
            "name": h.person.name,
            "address_masked": h.person.address_masked,
            "home": homes.get(h.person.pk),
            "eligible": h.answer.eligible and h.answer.institution_id == caregiver.institution_id,
            "eligibility": h.answer.reason_label,
            "plan_items": [
                {
                    "item_id": line.item_id,
                    "code": line.item.code,
                    "name": line.item.name,
                    "reference_minutes": line.item.reference_minutes,
                    "frequency": line.frequency_label,
                }
                for line in h.plan_lines
            ],
            "visits": h.visits,
        }
        for h in sheet
    ]
    return {
        "date": day,
        "caregiver_id": caregiver.pk,
        "caregiver_name": caregiver.name,
        "institution_name": caregiver.institution.organization.name,
        "persons": out,
        "short_visit": {
            "min_ratio": services.short_visit_ratio(rulesets.rules_on(day)),
            "min_minutes": int(services.MIN_VISIT.total_seconds() // 60),
            "reasons": [{"code": c, "label": label} for c, label in ShortVisitReason.choices],
        },
    }


@router.get("/family-code/{int:person_id}", response={200: FamilyCodeOut, **errors(403, 404)})
def family_code(request, person_id: int):
    """家属端：为所代办的参保人显示10分钟有效的服务确认动态码。"""
    return services.family_code_issue(actor=request.auth, person_id=person_id)
