"""A world to call every write operation of the API in: the demo city (Chengdu: its bureau,
two insurers, assessment centres, care institutions, an applicant, and rows of every kind in
many states) and, beside it, a second city whose organizations have one user of every role,
the outsiders. Also what the generated tests share: the operations read from the live OpenAPI
document, a caller per user, and a footprint of the database to show that nothing changed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from io import StringIO
from types import SimpleNamespace

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client

from changhu.api.main import api
from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.orgs.models import OrgKind, Region, RegionLevel, User
from changhu.orgs.roles import Role
from changhu.orgs.services import token_issue
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    make_caregiver,
    make_institution,
    make_person,
)

API = "/api/v1"
NOT_ROWS = {"kind", "code"}  # path parameters that name a kind of thing, not a row


# --- the operations, from the live OpenAPI document ------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /api/v1, with {parameters}
    operation_id: str
    rights: tuple[str, ...] | None  # None: not declared
    public: bool
    writes: bool
    path_params: tuple[str, ...]
    path_schemas: dict = field(compare=False, default_factory=dict)
    body_schema: dict | None = field(compare=False, default=None)
    media_type: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, values: dict) -> str:
        path = self.path
        for name in self.path_params:
            path = path.replace("{" + name + "}", str(values[name]))
        return API + path


def schema() -> dict:
    return api.get_openapi_schema()


def operations(*, include_reads: bool = False) -> list[Operation]:
    doc = schema()
    found = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if method == "get" and not include_reads:
                continue
            content = op.get("requestBody", {}).get("content", {})
            media_type, body = next(iter(content.items()), ("", {}))
            found.append(
                Operation(
                    method=method.upper(),
                    path=path.removeprefix(API),
                    operation_id=op["operationId"],
                    rights=tuple(op["x-changhu-rights"]) if "x-changhu-rights" in op else None,
                    public=op.get("x-changhu-public", False),
                    writes=op.get("x-changhu-writes", True),
                    path_params=tuple(
                        p["name"] for p in op.get("parameters", []) if p["in"] == "path"
                    ),
                    path_schemas={
                        p["name"]: p.get("schema", {})
                        for p in op.get("parameters", [])
                        if p["in"] == "path"
                    },
                    body_schema=body.get("schema"),
                    media_type=media_type,
                )
            )
    return found


# --- calling as a user -----------------------------------------------------------------------


class Caller:
    """A bearer token of one user. A token records its use at most every five minutes; this one
    is marked as used a day ahead, so signing in with it never writes."""

    def __init__(self, user):
        self.user = user
        self.key, token = token_issue(user, name="rights")
        ahead = clock.now() + dt.timedelta(days=1)
        type(token).objects.filter(pk=token.pk).update(last_used_at=ahead)
        self.client = Client(REMOTE_ADDR="10.9.8.7")

    def call(self, operation: Operation, path_values: dict, body=None, files=None):
        headers = {"Authorization": f"Bearer {self.key}"}
        url = operation.url(path_values)
        method = operation.method.lower()
        if operation.media_type == "multipart/form-data":
            data = {**(body or {}), **(files or {})}
            response = self.client.post(url, data=data, headers=headers)
        elif operation.media_type:
            response = getattr(self.client, method)(
                url,
                data=json.dumps(body if body is not None else {}, default=str),
                content_type="application/json",
                headers=headers,
            )
        else:
            response = getattr(self.client, method)(url, headers=headers)
        try:
            response.body = response.json() if response.content else None
        except ValueError:
            response.body = None
        return response

    def send(self, operation: Operation, call):
        """A recipe's call (``recipes.Call``); its uploads copied, since a file is read once."""
        files = None
        if call.files:
            files = {}
            for name, upload in call.files.items():
                upload.seek(0)
                files[name] = SimpleUploadedFile(upload.name, upload.read(), upload.content_type)
        return self.call(operation, call.path, call.body, files)


# --- what the database holds ------------------------------------------------------------------

_SKIPPED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


def _models():
    return [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in _SKIPPED
    ]


def _changes() -> int:
    """Rows inserted, updated or deleted on this connection so far (any table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
                "FROM pg_stat_xact_user_tables"
            )
        else:  # pragma: no cover
            return 0
        return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class Footprint:
    counts: dict[str, int]
    changes: int
    last_audit: int

    @classmethod
    def take(cls) -> Footprint:
        last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return cls(
            counts={m._meta.label: m._default_manager.count() for m in _models()},
            changes=_changes(),
            last_audit=last,
        )

    def differences(self, later: Footprint) -> list[str]:
        """What changed between this footprint and ``later`` (empty: nothing was written)."""
        found = [
            f"{label}: {n} → {later.counts[label]}"
            for label, n in self.counts.items()
            if later.counts.get(label) != n
        ]
        # taking a footprint writes nothing; the counter moves only with the request's writes
        if later.changes != self.changes:
            found.append(f"{later.changes - self.changes} rows written or updated")
        if later.last_audit != self.last_audit:
            found.append("audit entries added")
        return found


# --- the two cities ---------------------------------------------------------------------------

DEMO_USERS = {
    Role.BUREAU_ADMIN: "bureau",
    Role.BUREAU_REGULATOR: "regulator",
    Role.INSURER_CASE_WORKER: "caseworker",
    Role.INSURER_SUPERVISOR: "supervisor",
    Role.ASSESSOR: "assessor",
    Role.ASSESSMENT_EXPERT: "expert",
    Role.CARE_ADMIN: "careadmin",
    Role.CAREGIVER: "caregiver",
    Role.APPLICANT: "applicant",
}


def _region(code: str, name: str, level: str, parent=None) -> Region:
    return Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )[0]


def _other_city() -> SimpleNamespace:
    """德阳市: its own bureau, insurer, assessment centre, designated institution and public
    organization, one user of every role, and one insured person."""
    province = Region.objects.get(code="510000")
    city = _region("510600", "德阳市", RegionLevel.CITY, province)
    district = _region("510603", "旌阳区", RegionLevel.DISTRICT, city)
    street = _region("510603001000", "城北街道", RegionLevel.STREET, district)
    orgs = {
        OrgKind.BUREAU: OrganizationFactory(
            kind=OrgKind.BUREAU, name="德阳市医疗保障局", region=city
        ),
        OrgKind.INSURER: OrganizationFactory(
            kind=OrgKind.INSURER, name="丙保险德阳分公司", region=city, coverage=[district]
        ),
        OrgKind.ASSESSMENT: OrganizationFactory(
            kind=OrgKind.ASSESSMENT, name="德阳市评估中心", region=district
        ),
        OrgKind.CARE: OrganizationFactory(
            kind=OrgKind.CARE, name="旌阳颐养院", region=district, care_kind="nursing_home"
        ),
        OrgKind.PUBLIC: OrganizationFactory(kind=OrgKind.PUBLIC, name="德阳社会公众", region=city),
    }
    institution = make_institution(orgs[OrgKind.CARE])
    kinds = {
        Role.BUREAU_ADMIN: OrgKind.BUREAU,
        Role.BUREAU_REGULATOR: OrgKind.BUREAU,
        Role.INSURER_CASE_WORKER: OrgKind.INSURER,
        Role.INSURER_SUPERVISOR: OrgKind.INSURER,
        Role.ASSESSOR: OrgKind.ASSESSMENT,
        Role.ASSESSMENT_EXPERT: OrgKind.ASSESSMENT,
        Role.CARE_ADMIN: OrgKind.CARE,
        Role.CAREGIVER: OrgKind.CARE,
        Role.APPLICANT: OrgKind.PUBLIC,
    }
    users = {
        role: UserFactory(username=f"outsider_{role}", role=role, organization=orgs[kind])
        for role, kind in kinds.items()
    }
    caregiver = make_caregiver(institution, name="旌阳护理员")
    caregiver.user = users[Role.CAREGIVER]
    caregiver.save(update_fields=["user"])
    return SimpleNamespace(
        street=street,
        orgs=orgs,
        institution=institution,
        users=users,
        person=make_person(street, name="德阳参保人"),
    )


def build() -> SimpleNamespace:
    """The demo city (rows of every kind) and the outsiders' city."""
    call_command("load_presets", stdout=StringIO())
    call_command("seed_demo", persons=30, stdout=StringIO())
    demo = {role: User.objects.get(username=name) for role, name in DEMO_USERS.items()}
    return SimpleNamespace(users=demo, outsiders=_other_city(), today=clock.today())


def holders(rights: tuple[str, ...]) -> list[str]:
    """The roles holding any of ``rights``."""
    from changhu.orgs.roles import RIGHTS

    return [role for role in Role if set(rights) & RIGHTS[role]]


def day(offset: int = 0) -> dt.date:
    return clock.today() + dt.timedelta(days=offset)


# --- a body that satisfies an operation's schema ---------------------------------------------


def example(schema_part: dict, *, components: dict | None = None, name: str = ""):
    """The smallest value the schema accepts: required properties only, the first choice of
    every enum, dates of today. Enough to get past the body's validation."""
    components = components if components is not None else schema()["components"]["schemas"]
    part = schema_part
    if "$ref" in part:
        part = components[part["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in part:
        options = [p for p in part["anyOf"] if p.get("type") != "null"]
        return example(options[0], components=components, name=name) if options else None
    if "enum" in part:
        return part["enum"][0]
    if "const" in part:
        return part["const"]
    kind = part.get("type")
    if kind == "object" or "properties" in part:
        required = set(part.get("required", ()))
        return {
            key: example(value, components=components, name=key)
            for key, value in part.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        count = part.get("minItems", 0)
        return [example(part.get("items", {}), components=components) for _ in range(count)]
    if kind == "integer":
        return max(1, part.get("minimum", 1))
    if kind == "number":
        return max(1, part.get("minimum", 1))
    if kind == "boolean":
        return True
    fmt = part.get("format")
    if fmt == "date":
        return clock.today().isoformat()
    if fmt == "date-time":
        return clock.now().isoformat()
    if fmt == "uuid":
        import uuid

        return str(uuid.uuid4())
    if fmt == "binary":
        return None
    return "测试"[: part.get("maxLength", 2)] or "测"


def example_body(operation: Operation):
    if operation.body_schema is None:
        return None
    body = example(operation.body_schema)
    if operation.media_type == "multipart/form-data":
        return {k: v for k, v in body.items() if v is not None}
    return body
