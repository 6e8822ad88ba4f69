"""The right each form-posting page of the back office needs, checked before the form is read.

The API declares a right beside each operation (``changhu.api.rights``); the back office's
pages post to views that call the same services, and this table says, by URL name, which right
a POST to each needs (for a view that dispatches on an ``action`` or ``what`` in its URL, per
action). :class:`PageRightsMiddleware` refuses a POST from a user holding none of them with the
Chinese 403 page before the view reads the form or looks up the row, so a role without the
right gets 403 whatever it sends; the view and its service still check for themselves.

A page that accepts POST and is missing here fails ``web/tests/test_page_rights.py``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve

from changhu.core.scope import scope_of
from changhu.orgs.roles import Right as R

Rights = tuple[str, ...]
SIGNED_IN: Rights = ()  # any signed-in user (their own password, signing out)
PUBLIC = frozenset({"web:login", "feedback:complaint_public", "public:consult"})

_ADMIT = (R.PROVIDERS_ADMIT,)
_CAREGIVERS = (R.CAREGIVERS_MANAGE,)
_ASSESSORS = (R.ASSESSORS_MANAGE,)
_INTAKE_OR_APPLY = (R.ASSESSMENT_INTAKE, R.ASSESSMENT_APPLY)
_ANY_REVIEW = (R.SETTLEMENT_FIRST_REVIEW, R.SETTLEMENT_SECOND_REVIEW)

PAGE_RIGHTS: dict[str, Rights | dict[str, Rights]] = {
    # the register and its imports
    "insured:person_create": (R.INSURED_CREATE,),
    "insured:person_edit": (R.INSURED_UPDATE,),
    "insured:person_reveal": (R.INSURED_VIEW_FULL,),
    "insured:life_event_create": (R.INSURED_LIFE_EVENT,),
    "insured:hospital_stay_close": (R.INSURED_LIFE_EVENT,),
    "imports:import_new": (R.INSURED_IMPORT,),
    "imports:import_commit": (R.INSURED_IMPORT,),
    "imports:import_discard": (R.INSURED_IMPORT,),
    # data matching
    "matching:batch_new": (R.MATCH_IMPORT,),
    "matching:batch_commit": (R.MATCH_IMPORT,),
    "matching:batch_discard": (R.MATCH_IMPORT,),
    "matching:record_confirm": (R.MATCH_REVIEW,),
    "matching:record_reject": (R.MATCH_REVIEW,),
    "matching:recovery_apply": (R.SETTLEMENT_ADJUST,),
    "matching:recovery_dismiss": (R.SETTLEMENT_ADJUST,),
    # institutions, admissions, caregivers
    "providers:institution_status": _ADMIT,
    "providers:agreement_sign": _ADMIT,
    "providers:agreement_renew": _ADMIT,
    "providers:agreement_end": _ADMIT,
    "providers:admission_new": (R.PROVIDERS_APPLY,),
    "providers:assessment_admission_new": (R.PROVIDERS_APPLY,),
    "providers:admission_action": {
        "review": _ADMIT,
        "inspection": _ADMIT,
        "inspection_result": _ADMIT,
        "approve": _ADMIT,
        "refuse": _ADMIT,
        "withdraw": (R.PROVIDERS_APPLY,),
    },
    "providers:caregiver_new": _CAREGIVERS,
    "providers:caregiver_action": {
        "account_open": _CAREGIVERS,
        "account_reset": _CAREGIVERS,
        "account_close": _CAREGIVERS,
        "certificate": _CAREGIVERS,
        "training": _CAREGIVERS,
        "status": _CAREGIVERS,
    },
    "providers:assessor_new": _ASSESSORS,
    "providers:assessor_edit": _ASSESSORS,
    "providers:assessor_action": {
        "certificate": _ASSESSORS,
        "training": _ASSESSORS,
        "status": _ASSESSORS,
    },
    "providers:import_new": (R.PROVIDERS_ADMIT, R.CAREGIVERS_MANAGE),
    "providers:import_commit": (R.PROVIDERS_ADMIT, R.CAREGIVERS_MANAGE),
    "providers:import_discard": (R.PROVIDERS_ADMIT, R.CAREGIVERS_MANAGE),
    # staff and organization administration
    "manage:user_new": (R.USERS_MANAGE,),
    "manage:user_detail": (R.USERS_MANAGE,),
    "manage:user_action": {
        "disable": (R.USERS_MANAGE,),
        "unlock": (R.USERS_MANAGE,),
        "reset": (R.USERS_MANAGE,),
    },
    "manage:organization_new": (R.ORGS_MANAGE,),
    "manage:organization_edit": (R.ORGS_MANAGE,),
    "manage:import_new": (R.USERS_MANAGE,),
    "manage:import_commit": (R.USERS_MANAGE,),
    "manage:import_discard": (R.USERS_MANAGE,),
    # entitlements, plans, assignments
    "care:conclusion_entitlement": (R.CARE_ENTITLEMENT,),
    "care:entitlement_action": {
        "arrangement": (R.CARE_ENTITLEMENT,),
        "pause": (R.CARE_ENTITLEMENT,),
        "terminate": (R.CARE_ENTITLEMENT,),
    },
    "care:plan_new": (R.CARE_PLAN,),
    "care:plan_action": {
        "confirm": (R.CARE_PLAN_CONFIRM,),
        "withdraw": (R.CARE_PLAN,),
        "revise": (R.CARE_PLAN,),
    },
    "care:assignment_person": (R.CARE_PLAN,),
    "care:transfer_action": {
        "assign": (R.CARE_ENTITLEMENT,),
        "complete": (R.CARE_ENTITLEMENT,),
        "cancel": (R.CARE_ENTITLEMENT,),
    },
    "care:family_transfer_choose": (R.INSURED_SELF,),
    "care:family_notice_read": (R.INSURED_SELF,),
    "care:assignment_end": (R.CARE_PLAN,),
    # applications and assessments
    "assessment:application_create": (R.ASSESSMENT_INTAKE,),
    "assessment:document_upload": (*_INTAKE_OR_APPLY, R.ASSESSMENT_CONDUCT),
    "assessment:contact": (R.ASSESSMENT_CONTACT,),
    "assessment:refuse": (R.ASSESSMENT_ACCEPT,),
    "assessment:request_materials": (R.ASSESSMENT_ACCEPT,),
    "assessment:dispatch": (R.ASSESSMENT_DISPATCH,),
    "assessment:assign": (R.ASSESSMENT_ASSIGN,),
    "assessment:assessment_form": (R.ASSESSMENT_CONDUCT,),
    "assessment:form_score": (R.ASSESSMENT_CONDUCT,),
    "assessment:confirm": (R.ASSESSMENT_CONFIRM,),
    "assessment:review": (R.ASSESSMENT_REVIEW,),
    "assessment:objection_create": (R.ASSESSMENT_REVIEW,),
    "assessment:objection_handle": (R.ASSESSMENT_REVIEW,),
    "assessment:appeal": _INTAKE_OR_APPLY,
    "assessment:reassess": (R.ASSESSMENT_REASSESS,),
    "assessment:draw": (R.EXPERT_DRAW,),
    "assessment:expert_add": (R.EXPERT_POOL_MANAGE,),
    "assessment:expert_deactivate": (R.EXPERT_POOL_MANAGE,),
    "assessment:conflict_declare": (R.EXPERT_POOL_MANAGE, R.ASSESSMENT_CONFIRM),
    "assessment:conflict_withdraw": (R.EXPERT_POOL_MANAGE, R.ASSESSMENT_CONFIRM),
    "assessment:case_action": {
        "accept": (R.ASSESSMENT_ACCEPT,),
        "resubmit": _INTAKE_OR_APPLY,
        "withdraw": _INTAKE_OR_APPLY,
        "recall": (R.ASSESSMENT_DISPATCH,),
        "recuse": (R.ASSESSMENT_CONDUCT,),
        "issue": (R.ASSESSMENT_CONCLUDE,),
    },
    # visits, bed-days, screening
    "visits:visit_cancel": (R.VISITS_RECORD, R.VISITS_CANCEL),
    "visits:home_position_take": (R.VISITS_HOME_POSITION,),
    "visits:finding_resolve": (R.VISITS_RESOLVE,),
    "visits:screening": (R.VISITS_SCREEN,),
    "visits:bed_days": (R.VISITS_BED_DAYS,),
    "visits:patrol_follow_up_add": (R.VISITS_PATROL, R.VISITS_FOLLOW_UP),
    "visits:follow_up_done": (R.VISITS_PATROL, R.VISITS_FOLLOW_UP),
    "pwa:patrol_new": (R.VISITS_PATROL,),
    # inspections, rectification, appeals
    "supervision:task_new": (R.SUPERVISION_PLAN,),
    "supervision:task_cancel": (R.SUPERVISION_PLAN,),
    "supervision:inspect_target": (R.SUPERVISION_INSPECT,),
    "supervision:rectification_answer": (R.SUPERVISION_RESPOND,),
    "supervision:rectification_review": (R.SUPERVISION_REVIEW,),
    "supervision:rectification_appeal": (R.SUPERVISION_RESPOND,),
    "supervision:escalate": (R.SUPERVISION_REVIEW,),
    "supervision:appeal_new": (R.SUPERVISION_RESPOND,),
    "supervision:appeal_detail": (R.SUPERVISION_REVIEW,),
    # settlement
    "settlement:calculator": (R.SETTLEMENT_CALCULATE,),
    "settlement:period_list": (R.SETTLEMENT_RUN,),
    "settlement:period_run": (R.SETTLEMENT_RUN,),
    "settlement:period_pay": (R.SETTLEMENT_PAY,),
    "settlement:claim_action": {
        "submit": (R.SETTLEMENT_CLAIM,),
        "first_pass": (R.SETTLEMENT_FIRST_REVIEW,),
        "first_return": (R.SETTLEMENT_FIRST_REVIEW,),
        "second_approve": (R.SETTLEMENT_SECOND_REVIEW,),
        "second_return": (R.SETTLEMENT_SECOND_REVIEW,),
    },
    "settlement:line_detail": (R.SETTLEMENT_ADJUST,),
    "settlement:line_action": {
        "withdraw": (R.SETTLEMENT_CLAIM,),
        "reject": _ANY_REVIEW,
        "restore": (R.SETTLEMENT_CLAIM, *_ANY_REVIEW),
    },
    # the fund
    "fund:record": {
        what: (R.FUND_MANAGE,)
        for what in ("contribution", "fee", "recovery", "budget", "threshold")
    },
    # complaints, return visits, surveys
    "feedback:complaint_new": (R.FEEDBACK_HANDLE,),
    "feedback:complaint_action": {
        action: (R.FEEDBACK_HANDLE,)
        for action in ("acknowledge", "escalate", "reply", "substantiate", "close", "phone")
    },
    "feedback:family_complaint_new": (R.INSURED_SELF,),
    "feedback:family_complaint_detail": (R.INSURED_SELF,),
    "feedback:return_visit_draw": (R.FEEDBACK_DRAW,),
    "feedback:return_visit_call": (R.FEEDBACK_HANDLE,),
    "feedback:survey_new": (R.FEEDBACK_HANDLE,),
    "feedback:family_survey": (R.INSURED_SELF,),
    # statistics reports
    "reports:run_new": (R.REPORTS_RUN,),
    # scorecards
    "scorecards:compute": (R.SCORECARDS_COMPUTE,),
    "scorecards:manual_new": (R.SCORECARDS_MANUAL,),
    "scorecards:consequence_confirm": (R.SCORECARDS_CONSEQUENCES,),
    "scorecards:consequence_dismiss": (R.SCORECARDS_CONSEQUENCES,),
    # assessment fees
    "assessment_fees:run_new": (R.ASSESSMENT_FEES_RUN,),
    "assessment_fees:run_discard": (R.ASSESSMENT_FEES_RUN,),
    "assessment_fees:statement_approve": (R.ASSESSMENT_FEES_REVIEW,),
    "assessment_fees:statement_pay": (R.FUND_MANAGE,),
    # training
    "training:course_new": (R.TRAINING_MANAGE,),
    "training:session_new": (R.TRAINING_MANAGE,),
    "training:enrol": (R.TRAINING_ENROL,),
    "training:withdraw": (R.TRAINING_ENROL,),
    "training:roll": (R.TRAINING_MANAGE,),
    "training:issue": (R.TRAINING_MANAGE,),
    "training:subsidy": (R.TRAINING_MANAGE,),
    # the public site's articles and consultations
    "disclosure:article_new": (R.PUBLIC_CONTENT,),
    "disclosure:article_edit": (R.PUBLIC_CONTENT,),
    "disclosure:consultation_action": {
        action: (R.CONSULTATION_HANDLE,) for action in ("reply", "close", "phone")
    },
    # the user's own account
    "web:password_change": SIGNED_IN,
    "web:logout": SIGNED_IN,
}

# The URL argument a dispatching view's action is named by.
ACTION_ARGUMENTS = ("action", "what")


def rights_for(view_name: str, kwargs: dict) -> Rights | None:
    """The rights a POST to this page needs (any one of them); None: not a page in the table,
    or an action the view does not know (the view answers it)."""
    entry = PAGE_RIGHTS.get(view_name)
    if isinstance(entry, dict):
        action = next((kwargs[a] for a in ACTION_ARGUMENTS if a in kwargs), None)
        return entry.get(action)
    return entry


class PageRightsMiddleware:
    """A POST to a page is refused (the Chinese 403 page) when the signed-in user holds none of
    the rights the page needs; the API is left to its own check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and not request.path.startswith("/api/"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                try:
                    match = resolve(request.path_info)
                except Resolver404:
                    match = None
                rights = rights_for(match.view_name, match.kwargs) if match else None
                if rights and not any(scope_of(user).can(right) for right in rights):
                    raise PermissionDenied("没有执行此操作的权限")
        return self.get_response(request)
