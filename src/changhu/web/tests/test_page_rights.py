"""Every page of the back office that takes a POST, read from the URL configuration, held to
its right (``web/page_rights.py``): a role without it gets the Chinese 403 page, an outsider (a
holder of the right in another city) gets 404 for a row of the demo city, and in both cases
nothing in the database changes."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from changhu.api.tests import recipes
from changhu.api.tests import world as W
from changhu.orgs.roles import RIGHT_LABELS, RIGHTS, Role
from changhu.web.page_rights import PAGE_RIGHTS, PUBLIC

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(write_world):
    """The demo city and the outsiders' city (``tests/fixtures.py``)."""
    return write_world


SKIPPED_PREFIXES = ("api/", "django-admin/", "static/")


def _methods(view) -> list[str] | None:
    """The methods a view's ``require_http_methods`` (or ``require_POST``…) allows; None when
    it does not say."""
    func, depth = view, 0
    while func is not None and depth < 20:
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(m, str) and m.isupper() for m in value)
            ):
                return list(value)
        func, depth = getattr(func, "__wrapped__", None), depth + 1
    return None


def _patterns(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}", pattern.callback


def _posting_pages() -> list[str]:
    pages = []
    for route, name, view in _patterns(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        methods = _methods(view)
        if methods is None or "POST" in methods:
            pages.append(name)
    return pages


def _entries() -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(page, action, rights) for every page and action that needs a right."""
    found = []
    for name, entry in PAGE_RIGHTS.items():
        if isinstance(entry, dict):
            found += [(name, action, rights) for action, rights in entry.items()]
        elif entry:
            found.append((name, None, entry))
    return found


def test_every_page_that_takes_a_post_declares_its_right():
    pages = _posting_pages()
    undeclared = [p for p in pages if p not in PAGE_RIGHTS and p not in PUBLIC]
    assert not undeclared, f"pages taking a POST without a right in page_rights.py: {undeclared}"
    stale = [name for name in PAGE_RIGHTS if name not in pages]
    assert not stale, f"page_rights.py names pages that take no POST: {stale}"
    unknown = {r for _, _, rights in _entries() for r in rights} - set(RIGHT_LABELS)
    assert not unknown
    assert len(pages) >= 55 and len(_entries()) >= 80


# --- the rows a page's URL names -------------------------------------------------------------


def _row(model_label: str, **filters):
    from django.apps import apps

    return apps.get_model(model_label).objects.filter(**filters).order_by("pk")[0].pk


def _public_article() -> int:
    """An article of the demo city's public site (seeded by the demo)."""
    from changhu.public.models import Article

    return Article.objects.order_by("pk").values_list("pk", flat=True).first()


def _consultation() -> int:
    """A consultation of the demo city waiting for an answer (seeded by the demo)."""
    from changhu.public.models import Consultation

    return (
        Consultation.objects.filter(status="received")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _hospital_stay() -> int:
    from changhu.insured import services

    event = services.person_record_life_event(
        actor=recipes.user("caseworker"),
        person_id=recipes._person().pk,
        data=services.LifeEventInput(
            kind="hospital_stay", start_date=recipes.days(-3), institution="市一医院"
        ),
    )
    return event.pk


def _scorecard() -> dict:
    from changhu.scorecards.models import Scorecard

    card = Scorecard.objects.order_by("pk")[0]
    return {"kind": card.kind, "period": card.period, "org": card.organization_id}


def _family_notice() -> int:
    from changhu.care.models import FamilyNotice

    notice = FamilyNotice.objects.create(
        person_id=recipes._person().pk, title="护理机构已更换", body="自明日起由新机构服务。"
    )
    return notice.pk


PERSON = lambda w: {"pk": recipes._person().pk}  # noqa: E731
APPLICATION = lambda w: {"pk": recipes._application("submitted").pk}  # noqa: E731

ROWS = {
    "insured:person_edit": PERSON,
    "insured:person_reveal": PERSON,
    "insured:life_event_create": PERSON,
    "insured:hospital_stay_close": lambda w: {"pk": _hospital_stay()},
    "imports:import_commit": lambda w: {"pk": recipes._register_batch(w).path["batch_id"]},
    "imports:import_discard": lambda w: {"pk": recipes._register_batch(w).path["batch_id"]},
    "providers:institution_status": lambda w: {"pk": recipes._institution().pk},
    "providers:agreement_sign": lambda w: {"pk": recipes._institution().pk},
    "providers:agreement_renew": lambda w: {"pk": recipes._agreement().pk},
    "providers:agreement_end": lambda w: {"pk": recipes._agreement().pk},
    "providers:assessor_edit": lambda w: {"pk": recipes._assessor().pk},
    "providers:assessor_action": lambda w: {"pk": recipes._assessor().pk},
    "providers:admission_action": lambda w: {"pk": recipes._submitted_admission().pk},
    "providers:caregiver_action": lambda w: {"pk": recipes._caregiver().pk},
    "manage:user_detail": lambda w: {"pk": recipes.user("caseworker").pk},
    "manage:user_action": lambda w: {"pk": recipes.user("caseworker").pk},
    "manage:organization_edit": lambda w: {"pk": recipes.user("supervisor").organization_id},
    "manage:import_commit": lambda w: {"pk": recipes._users_batch(w).path["batch_id"]},
    "manage:import_discard": lambda w: {"pk": recipes._users_batch(w).path["batch_id"]},
    "providers:import_commit": lambda w: {"pk": recipes._providers_batch(w).path["batch_id"]},
    "providers:import_discard": lambda w: {"pk": recipes._providers_batch(w).path["batch_id"]},
    "care:conclusion_entitlement": lambda w: {"pk": _row("assessment.Conclusion")},
    "care:entitlement_action": lambda w: {"pk": recipes._entitlement().pk},
    "care:plan_action": lambda w: {"pk": recipes._plan().pk},
    "care:assignment_person": lambda w: {"person_id": recipes._open_assignment().person_id},
    "care:assignment_end": lambda w: {"pk": recipes._open_assignment().pk},
    "care:transfer_action": lambda w: {"pk": recipes._transfer(w).path["transfer_id"]},
    "care:family_transfer_choose": lambda w: {"pk": recipes._transfer(w).path["transfer_id"]},
    "care:family_notice_read": lambda w: {"pk": _family_notice()},
    "assessment:objection_handle": lambda w: {"pk": recipes._objection(w).pk},
    "assessment:expert_deactivate": lambda w: {"pk": recipes._pool_expert().pk},
    "assessment:conflict_declare": lambda w: {"pk": recipes._pool_expert().pk},
    "assessment:conflict_withdraw": lambda w: {
        "pk": recipes._declared_conflict(w).path["conflict_id"]
    },
    "assessment:appeal": lambda w: {"pk": _row("assessment.Conclusion")},
    "assessment:reassess": lambda w: {"pk": _row("assessment.Conclusion")},
    "visits:visit_cancel": lambda w: {"pk": recipes._open_visit(w).pk},
    "visits:home_position_take": lambda w: {"pk": recipes._completed_visit(w).pk},
    "visits:finding_resolve": lambda w: {"pk": recipes._finding(w).pk},
    "visits:patrol_follow_up_add": lambda w: {"pk": recipes._own_patrol(w).pk},
    "visits:follow_up_done": lambda w: {"pk": recipes._open_follow_up(w).pk},
    "supervision:task_cancel": lambda w: {"pk": recipes._sv_demo_task("planned").pk},
    "supervision:inspect_target": lambda w: {"pk": recipes._sv_pending_target(w).path["target_id"]},
    "supervision:rectification_answer": lambda w: {"pk": recipes._sv_notice("pending").pk},
    "supervision:rectification_review": lambda w: {"pk": recipes._sv_notice("pending").pk},
    "supervision:rectification_appeal": lambda w: {"pk": recipes._sv_notice("pending").pk},
    "supervision:appeal_new": lambda w: {"finding_pk": recipes._finding(w).pk},
    "supervision:appeal_detail": lambda w: {"pk": _row("supervision.Appeal", status="pending")},
    "settlement:period_run": lambda w: {"pk": recipes._claiming_period().pk},
    "settlement:period_pay": lambda w: {"pk": recipes._claiming_period().pk},
    "settlement:claim_action": lambda w: {"pk": recipes._claim("submitted").pk},
    "settlement:line_detail": lambda w: {"pk": _row("settlement.ClaimLine")},
    "settlement:line_action": lambda w: {"pk": _row("settlement.ClaimLine")},
    "matching:batch_commit": lambda w: {"pk": recipes._death_batch(w).path["batch_id"]},
    "matching:batch_discard": lambda w: {"pk": recipes._death_batch(w).path["batch_id"]},
    "matching:record_confirm": lambda w: {"pk": recipes._pending_match(w).path["record_id"]},
    "matching:record_reject": lambda w: {"pk": recipes._pending_match(w).path["record_id"]},
    "matching:recovery_apply": lambda w: {"pk": recipes._recovery(w).path["proposal_id"]},
    "matching:recovery_dismiss": lambda w: {"pk": recipes._recovery(w).path["proposal_id"]},
    "feedback:complaint_action": lambda w: {"pk": recipes._complaint(w).pk},
    "feedback:family_complaint_detail": lambda w: {"pk": recipes._complaint(w).pk},
    "feedback:return_visit_call": lambda w: {"pk": recipes._pending_return_visit(w).pk},
    "scorecards:manual_new": lambda w: _scorecard(),
    "scorecards:consequence_confirm": lambda w: {"pk": recipes._consequence(w).path["proposal_id"]},
    "scorecards:consequence_dismiss": lambda w: {"pk": recipes._consequence(w).path["proposal_id"]},
    "training:session_new": lambda w: {"pk": recipes._training_held().course_id},
    "training:enrol": lambda w: {"pk": recipes._training_held().pk},
    "training:roll": lambda w: {"pk": recipes._training_held().pk},
    "training:issue": lambda w: {"pk": recipes._training_held().pk},
    "training:subsidy": lambda w: {"pk": recipes._training_held().pk},
    "training:withdraw": lambda w: {"pk": recipes._training_new_session(w).path["enrolment_id"]},
    "disclosure:article_edit": lambda w: {"pk": _public_article()},
    "disclosure:consultation_action": lambda w: {"pk": _consultation()},
    "assessment_fees:run_discard": lambda w: {"pk": recipes._fee_run(w).path["run_id"]},
    "assessment_fees:statement_approve": lambda w: {
        "pk": recipes._fee_statement(w).path["statement_id"]
    },
    "assessment_fees:statement_pay": lambda w: {
        "pk": recipes._fee_statement(w, approved=True).path["statement_id"]
    },
}
# Pages whose URL names something that is not a row of the city (a report's code).
ARGUMENTS = {"reports:run_new": {"code": "ltci-monthly"}}

for _name in (
    "contact",
    "refuse",
    "request_materials",
    "dispatch",
    "assign",
    "assessment_form",
    "form_score",
    "confirm",
    "review",
    "objection_create",
    "document_upload",
    "case_action",
    "draw",
):
    ROWS[f"assessment:{_name}"] = APPLICATION


def _url(world, name: str, action: str | None) -> tuple[str, bool]:
    """The page's URL on a row of the demo city, and whether it names a row at all."""
    kwargs = ROWS[name](world) if name in ROWS else dict(ARGUMENTS.get(name, {}))
    if action is not None:
        key = "what" if name == "fund:record" else "action"
        kwargs[key] = action
    return reverse(name, kwargs=kwargs), name in ROWS


def _client(user) -> Client:
    """Signed in as the user as stored now (the demo may have reset a fixture user's password,
    which ends sessions opened with the old one)."""
    client = Client(REMOTE_ADDR="10.9.8.7")
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


# A form that passes the page's own checks, for the pages whose service checks the input before
# it looks up the row: an empty form sends the outsider back to the row's page with the form's
# message (the same for a row that does not exist); a valid one reaches the lookup, and 404.
FORM_DATA = {
    ("imports:import_commit", None): {"mode": "valid_only"},
    ("providers:import_commit", None): {"mode": "valid_only"},
    ("manage:import_commit", None): {"mode": "valid_only"},
    ("assessment:refuse", None): {"reason": "materials", "text": "缺病历"},
    ("assessment:request_materials", None): {"note": "请补充病历"},
    ("assessment:confirm", None): {"decision": "confirm"},
    ("assessment:review", None): {"decision": "approve"},
    ("assessment:objection_create", None): {"raised_by": "邻居", "content": "认为等级偏高"},
    ("assessment:expert_deactivate", None): {"reason": "调离"},
    ("assessment:conflict_withdraw", None): {"reason": "已离职"},
    ("assessment:conflict_declare", None): {"kind": "institution"},
    ("visits:visit_cancel", None): {"reason": "参保人不在家"},
    ("settlement:claim_action", "first_return"): {"reason_code": "documents_missing"},
    ("settlement:claim_action", "second_return"): {"reason_code": "documents_missing"},
    ("matching:record_reject", None): {"reason": "同名，出生日期不符"},
    ("matching:recovery_dismiss", None): {"reason": "家属已退回"},
    ("scorecards:consequence_dismiss", None): {"reason": "已整改"},
}


def _form(name: str, action: str | None) -> dict:
    if name == "assessment:document_upload":
        return {"kind": "medical_record", "file": recipes.upload("病历.pdf", recipes.PDF_BYTES)}
    return dict(FORM_DATA.get((name, action), {}))


def _post(client, url, data=None):
    before = W.Footprint.take()
    response = client.post(url, data or {})
    return response, before.differences(W.Footprint.take())


def test_every_page_that_names_a_row_has_one_here():
    for route, name, _view in _patterns(get_resolver().url_patterns):
        if name in PAGE_RIGHTS and "<" in route and name not in ROWS:
            converters = route.split("<")[1:]
            if any(c.startswith(("int:", "pk")) for c in converters):
                pytest.fail(f"{name}: add the row its URL names to ROWS")


def test_a_role_without_the_right_gets_the_403_page_and_nothing_is_written(world, users):
    clients = {name: _client(user) for name, user in vars(users).items()}
    failures, checked = [], 0
    for name, action, rights in _entries():
        with transaction.atomic():
            url, _ = _url(world, name, action)
            for who, client in clients.items():
                if set(rights) & RIGHTS[getattr(users, who).role]:
                    continue
                with transaction.atomic():
                    response, written = _post(client, url)
                    transaction.set_rollback(True)
                checked += 1
                page = response.content.decode()
                if response.status_code != 403 or "没有执行此操作的权限" not in page or written:
                    failures.append(
                        f"{name} {action or ''} as {who}: {response.status_code} {written}"
                    )
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
    assert checked >= 600, checked


def test_an_outsider_gets_404_for_a_row_of_another_city_and_nothing_is_written(world):
    outsiders = {role: _client(user) for role, user in world.outsiders.users.items()}
    failures, checked = [], 0
    for name, action, rights in _entries():
        with transaction.atomic():
            url, names_a_row = _url(world, name, action)
            if not names_a_row:
                transaction.set_rollback(True)
                continue
            for role in Role:
                if not set(rights) & RIGHTS[role]:
                    continue
                with transaction.atomic():
                    response, written = _post(outsiders[role], url, _form(name, action))
                    transaction.set_rollback(True)
                checked += 1
                if response.status_code != 404 or written:
                    failures.append(
                        f"{name} {action or ''} as an outsider {role}: "
                        f"{response.status_code} {written}"
                    )
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
    assert checked >= 100, checked
