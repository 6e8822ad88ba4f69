"""The caregiver's view of today's homes: the full address, the family's phones and a map link,
revealed and audited.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from changhu.assessment.models import Application
from changhu.care.models import Assignment
from changhu.core import audit, crypto
from changhu.core.models import AuditEntry
from changhu.insured.models import Person
from changhu.providers.models import Caregiver, CaregiverStatus
from changhu.visits import geo

# --- the caregiver's view of today's homes --------------------------------------------------


CONTACT_AUDIT_LABELS = {"address": "居住地址", "phone": "联系电话", "family_phone": "家属电话"}


def map_link(*, latitude, longitude, name: str, address: str) -> str:
    """A link that opens the home in a map app or page (Amap's public URI API, no key): the
    stored WGS-84 position converted to the GCJ-02 the Chinese map draws, else the address."""
    if latitude is not None and longitude is not None:
        lat, lon = geo.wgs84_to_gcj02(float(latitude), float(longitude))
        query = urlencode(
            {"position": f"{lon:.6f},{lat:.6f}", "name": name, "src": "changhu", "callnative": 1}
        )
        return f"https://uri.amap.com/marker?{query}"
    if address:
        return f"https://uri.amap.com/search?{urlencode({'keyword': address, 'src': 'changhu'})}"
    return ""


def home_contacts_reveal(*, actor, caregiver: Caregiver, persons: list[Person], day: dt.date):
    """Full address, phones and a map link of the homes this caregiver serves on ``day``.

    Only persons with an assignment of this caregiver in force that day, while the caregiver
    is on duty, are revealed; everyone else gets nothing (the phone shows the masked address).
    Each person's reveal is audited once a day per user (the phone refreshes the list often).
    """
    if caregiver.status != CaregiverStatus.ACTIVE or caregiver.hired_on > day:
        return {}
    if caregiver.left_on is not None and caregiver.left_on <= day:
        return {}
    assigned = set(
        Assignment.objects.filter(
            caregiver=caregiver,
            institution_id=caregiver.institution_id,
            person_id__in=[p.pk for p in persons],
            start_date__lte=day,
        )
        .exclude(end_date__lt=day)
        .values_list("person_id", flat=True)
    )
    if not assigned:
        return {}
    family = {}
    applications = (
        Application.objects.filter(person_id__in=assigned)
        .exclude(phone_enc="")
        .order_by("person_id", "-submitted_at")
    )
    for application in applications:
        family.setdefault(application.person_id, application)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    seen = set(
        AuditEntry.objects.filter(
            actor=actor,
            action=AuditEntry.Action.VIEW_FULL,
            object_type="insured.person",
            object_id__in=[str(pid) for pid in assigned],
            at__gte=start,
        ).values_list("object_id", flat=True)
    )
    out = {}
    with transaction.atomic():
        for person in persons:
            if person.pk not in assigned:
                continue
            address = person.address
            contacts = []
            application = family.get(person.pk)
            if application is not None:
                relation = application.get_relationship_display()
                contacts.append(
                    {
                        "label": f"家属 {application.applicant_name}（{relation}）",
                        "phone": crypto.decrypt(application.phone_enc),
                    }
                )
            if person.phone_enc:
                contacts.append({"label": f"{person.name}本人", "phone": person.phone})
            out[person.pk] = {
                "address": address,
                "contacts": contacts,
                "map_url": map_link(
                    latitude=person.latitude,
                    longitude=person.longitude,
                    name=person.name,
                    address=address,
                ),
            }
            if str(person.pk) not in seen:
                fields = ["address", "phone"] + (["family_phone"] if application else [])
                audit.record_full_view(
                    obj=person, fields=fields, labels=CONTACT_AUDIT_LABELS, user=actor
                )
    return out
