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
