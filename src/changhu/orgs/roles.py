"""Roles and the named rights each holds. A right guards an operation; data scope guards rows."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", "医保局管理员"
    BUREAU_REGULATOR = "bureau_regulator", "医保局监管人员"
    INSURER_CASE_WORKER = "insurer_case_worker", "商保经办人员"
    INSURER_SUPERVISOR = "insurer_supervisor", "商保经办主管"
    ASSESSOR = "assessor", "评估员"
    ASSESSMENT_EXPERT = "assessment_expert", "评估专家"
    CARE_ADMIN = "care_admin", "护理机构管理员"
    CAREGIVER = "caregiver", "护理员"
    APPLICANT = "applicant", "参保人/家属"


class Right:
    """Named rights. Add here, grant below; code checks the name, never the role."""

    INSURED_VIEW = "insured.view"  # the register, masked
    INSURED_VIEW_FULL = "insured.view_full"  # unmasked ID number, phone, address (audited)
    INSURED_CREATE = "insured.create"
    INSURED_UPDATE = "insured.update"
    INSURED_IMPORT = "insured.import"
    INSURED_LIFE_EVENT = "insured.life_event"
    INSURED_AUDIT = "insured.audit"  # read a person's audit trail
    INSURED_SELF = "insured.self"  # an applicant's own and represented persons
    ORGS_VIEW = "orgs.view"
    ORGS_MANAGE = "orgs.manage"
    USERS_MANAGE = "users.manage"
    PROVIDERS_VIEW = "providers.view"  # institutions, agreements, caregivers in scope
    PROVIDERS_APPLY = "providers.apply"  # submit an admission application (定点准入申请)
    PROVIDERS_ADMIT = "providers.admit"  # review admissions, agreements, institution status
    CAREGIVERS_MANAGE = "providers.caregivers"  # caregivers, certificates, training records
    CAREGIVERS_VIEW_FULL = "providers.caregiver_view_full"  # unmasked ID number, phone (audited)
    CARE_CATALOGUE = "care.catalogue"  # the service catalogue and packages
    CARE_VIEW = "care.view"  # entitlements, care plans, the person's file, in scope
    CARE_ENTITLEMENT = "care.entitlement"  # open, change, pause, terminate entitlements
    CARE_PLAN = "care.plan"  # draft care plans, assign caregivers (own institution)
    CARE_PLAN_CONFIRM = "care.plan_confirm"  # record a plan confirmation at the counter
    ASSESSMENT_VIEW = "assessment.view"  # cases in scope (region, or own assessment institution)
    ASSESSMENT_CONTACT = "assessment.contact"  # unmasked applicant phone, care address (audited)
    ASSESSMENT_INTAKE = "assessment.intake"  # record an application at a counter / mobile point
    ASSESSMENT_ACCEPT = "assessment.accept"  # acceptance review (受理审核)
    ASSESSMENT_DISPATCH = "assessment.dispatch"  # send a case to an assessment institution
    ASSESSMENT_ASSIGN = "assessment.assign"  # the institution names its on-site team
    ASSESSMENT_CONDUCT = "assessment.conduct"  # fill and submit the on-site form, recuse
    ASSESSMENT_CONFIRM = "assessment.confirm"  # expert confirmation of a result
    ASSESSMENT_REVIEW = "assessment.review"  # case worker review, publicity, objections
    ASSESSMENT_CONCLUDE = "assessment.conclude"  # issue the conclusion letter
    ASSESSMENT_REASSESS = "assessment.reassess"  # re-assess on a condition change or spot check
    ASSESSMENT_APPLY = "assessment.apply"  # an applicant's own applications and appeals
    VISITS_RECORD = "visits.record"  # a caregiver checks in and out of their own visits
    VISITS_VIEW = "visits.view"  # visits, bed-days, patrols and findings in scope
    VISITS_BED_DAYS = "visits.bed_days"  # admissions, leave, transfers, discharges (own inst.)
    VISITS_PATROL = "visits.patrol"  # record patrol visits to family-care beneficiaries
    VISITS_SCREEN = "visits.screen"  # start a screening run of a month
    VISITS_RESOLVE = "visits.resolve"  # confirm or dismiss a finding
    VISITS_HOME_POSITION = "visits.home_position"  # take a visit's check-in as the home (own inst.)
    SETTLEMENT_VIEW = "settlement.view"  # periods, claims, lines, statements in scope
    SETTLEMENT_CALCULATE = "settlement.calculate"  # the benefit calculator (待遇测算)
    SETTLEMENT_RUN = "settlement.run"  # open and compute a month's settlement
    SETTLEMENT_CLAIM = "settlement.claim"  # own institution: review the draft, withdraw, submit
    SETTLEMENT_FIRST_REVIEW = "settlement.first_review"  # 初审
    SETTLEMENT_SECOND_REVIEW = "settlement.second_review"  # 复核 (by a different person)
    SETTLEMENT_PAY = "settlement.pay"  # 拨付: payment orders, posting to the fund
    SETTLEMENT_ADJUST = "settlement.adjust"  # corrections and recoveries after payment
    SETTLEMENT_CONFIGURE = "settlement.configure"  # bed-day tariffs, supplementary members
    FUND_VIEW = "fund.view"  # ledger, balances, budget execution, indicators
    FUND_MANAGE = "fund.manage"  # contributions, fees, budget, warning thresholds


_REGISTER_WORK = {
    Right.INSURED_VIEW,
    Right.INSURED_VIEW_FULL,
    Right.INSURED_CREATE,
    Right.INSURED_UPDATE,
    Right.INSURED_IMPORT,
    Right.INSURED_LIFE_EVENT,
}

RIGHTS: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset(
        _REGISTER_WORK
        | {Right.INSURED_AUDIT, Right.ORGS_VIEW, Right.ORGS_MANAGE, Right.USERS_MANAGE}
    ),
    Role.BUREAU_REGULATOR: frozenset({Right.INSURED_VIEW, Right.INSURED_AUDIT, Right.ORGS_VIEW}),
    Role.INSURER_CASE_WORKER: frozenset(_REGISTER_WORK | {Right.ORGS_VIEW}),
    Role.INSURER_SUPERVISOR: frozenset(_REGISTER_WORK | {Right.INSURED_AUDIT, Right.ORGS_VIEW}),
    Role.ASSESSOR: frozenset(),
    Role.ASSESSMENT_EXPERT: frozenset(),
    Role.CARE_ADMIN: frozenset({Right.ORGS_VIEW}),
    Role.CAREGIVER: frozenset(),
    Role.APPLICANT: frozenset({Right.INSURED_SELF}),
}

# Which organization kinds a role may belong to.
ROLE_ORG_KINDS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {"bureau"},
    Role.BUREAU_REGULATOR: {"bureau"},
    Role.INSURER_CASE_WORKER: {"insurer", "outlet"},
    Role.INSURER_SUPERVISOR: {"insurer", "outlet"},
    Role.ASSESSOR: {"assessment"},
    Role.ASSESSMENT_EXPERT: {"assessment"},
    Role.CARE_ADMIN: {"care"},
    Role.CAREGIVER: {"care"},
    Role.APPLICANT: {"public"},
}

# Institutions, caregivers, catalogue, entitlements and care plans.
_PROVIDER_CARE_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {
        Right.PROVIDERS_VIEW,
        Right.PROVIDERS_APPLY,
        Right.PROVIDERS_ADMIT,
        Right.CAREGIVERS_MANAGE,
        Right.CAREGIVERS_VIEW_FULL,
        Right.CARE_CATALOGUE,
        Right.CARE_VIEW,
        Right.CARE_ENTITLEMENT,
    },
    Role.BUREAU_REGULATOR: {Right.PROVIDERS_VIEW, Right.CARE_CATALOGUE, Right.CARE_VIEW},
    Role.INSURER_CASE_WORKER: {
        Right.PROVIDERS_VIEW,
        Right.CARE_CATALOGUE,
        Right.CARE_VIEW,
        Right.CARE_ENTITLEMENT,
        Right.CARE_PLAN_CONFIRM,
    },
    Role.INSURER_SUPERVISOR: {
        Right.PROVIDERS_VIEW,
        Right.CARE_CATALOGUE,
        Right.CARE_VIEW,
        Right.CARE_ENTITLEMENT,
        Right.CARE_PLAN_CONFIRM,
    },
    Role.ASSESSOR: {Right.CARE_CATALOGUE},
    Role.ASSESSMENT_EXPERT: {Right.CARE_CATALOGUE},
    Role.CARE_ADMIN: {
        Right.PROVIDERS_VIEW,
        Right.PROVIDERS_APPLY,
        Right.CAREGIVERS_MANAGE,
        Right.CAREGIVERS_VIEW_FULL,
        Right.CARE_CATALOGUE,
        Right.CARE_VIEW,
        Right.CARE_PLAN,
    },
    Role.CAREGIVER: {Right.CARE_CATALOGUE},
}
for _role, _extra in _PROVIDER_CARE_RIGHTS.items():
    RIGHTS[_role] = RIGHTS[_role] | _extra

# Applications, dispatch, on-site assessment, confirmation, publicity and conclusions.
_ASSESSMENT_CASE_WORK = {
    Right.ASSESSMENT_VIEW,
    Right.ASSESSMENT_CONTACT,
    Right.ASSESSMENT_INTAKE,
    Right.ASSESSMENT_ACCEPT,
    Right.ASSESSMENT_DISPATCH,
    Right.ASSESSMENT_REVIEW,
    Right.ASSESSMENT_CONCLUDE,
    Right.ASSESSMENT_REASSESS,
}
_ASSESSMENT_ON_SITE = {
    Right.ASSESSMENT_VIEW,
    Right.ASSESSMENT_CONTACT,
    Right.ASSESSMENT_ASSIGN,
    Right.ASSESSMENT_CONDUCT,
}
_ASSESSMENT_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {Right.ASSESSMENT_VIEW},
    Role.BUREAU_REGULATOR: {Right.ASSESSMENT_VIEW},
    Role.INSURER_CASE_WORKER: _ASSESSMENT_CASE_WORK,
    Role.INSURER_SUPERVISOR: _ASSESSMENT_CASE_WORK,
    Role.ASSESSOR: _ASSESSMENT_ON_SITE,
    Role.ASSESSMENT_EXPERT: _ASSESSMENT_ON_SITE | {Right.ASSESSMENT_CONFIRM},
    Role.APPLICANT: {Right.ASSESSMENT_APPLY},
}
for _role, _extra in _ASSESSMENT_RIGHTS.items():
    RIGHTS[_role] = RIGHTS[_role] | _extra

# Home visits, bed-days, patrol visits and screening (visits app).
_VISITS_SUPERVISION = {
    Right.VISITS_VIEW,
    Right.VISITS_SCREEN,
    Right.VISITS_RESOLVE,
}
_VISITS_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: _VISITS_SUPERVISION,
    Role.BUREAU_REGULATOR: _VISITS_SUPERVISION,
    Role.INSURER_CASE_WORKER: _VISITS_SUPERVISION,
    Role.INSURER_SUPERVISOR: _VISITS_SUPERVISION,
    Role.CARE_ADMIN: {
        Right.VISITS_VIEW,
        Right.VISITS_BED_DAYS,
        Right.VISITS_PATROL,
        Right.VISITS_HOME_POSITION,
    },
    Role.CAREGIVER: {Right.VISITS_RECORD, Right.VISITS_PATROL},
}
for _role, _extra in _VISITS_RIGHTS.items():
    RIGHTS[_role] = RIGHTS[_role] | _extra

# Monthly settlement (settlement app) and the fund's books (fund app).
_SETTLEMENT_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {
        Right.SETTLEMENT_VIEW,
        Right.SETTLEMENT_CALCULATE,
        Right.SETTLEMENT_RUN,
        Right.SETTLEMENT_PAY,
        Right.SETTLEMENT_CONFIGURE,
        Right.FUND_VIEW,
        Right.FUND_MANAGE,
    },
    Role.BUREAU_REGULATOR: {Right.SETTLEMENT_VIEW, Right.SETTLEMENT_CALCULATE, Right.FUND_VIEW},
    Role.INSURER_CASE_WORKER: {
        Right.SETTLEMENT_VIEW,
        Right.SETTLEMENT_CALCULATE,
        Right.SETTLEMENT_RUN,
        Right.SETTLEMENT_FIRST_REVIEW,
        Right.SETTLEMENT_ADJUST,
    },
    Role.INSURER_SUPERVISOR: {
        Right.SETTLEMENT_VIEW,
        Right.SETTLEMENT_CALCULATE,
        Right.SETTLEMENT_RUN,
        Right.SETTLEMENT_FIRST_REVIEW,
        Right.SETTLEMENT_SECOND_REVIEW,
        Right.SETTLEMENT_ADJUST,
    },
    Role.CARE_ADMIN: {Right.SETTLEMENT_VIEW, Right.SETTLEMENT_CALCULATE, Right.SETTLEMENT_CLAIM},
}
for _role, _extra in _SETTLEMENT_RIGHTS.items():
    RIGHTS[_role] = RIGHTS[_role] | _extra
