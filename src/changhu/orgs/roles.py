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
    AUDIT_EXPORT = "audit.export"  # export the audit trail of the people in scope
    ORGS_VIEW = "orgs.view"
    ORGS_MANAGE = "orgs.manage"
    USERS_MANAGE = "users.manage"
    PROVIDERS_VIEW = "providers.view"  # institutions, agreements, caregivers in scope
    PROVIDERS_APPLY = "providers.apply"  # submit an admission application (定点准入申请)
    PROVIDERS_ADMIT = "providers.admit"  # review admissions, agreements, institution status
    CAREGIVERS_MANAGE = "providers.caregivers"  # caregivers, certificates, training records
    CAREGIVERS_VIEW_FULL = "providers.caregiver_view_full"  # unmasked ID number, phone (audited)
    ASSESSORS_MANAGE = "providers.assessors"  # the assessor register, certificates, training
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
    EXPERT_POOL_VIEW = "assessment.expert_pool_view"  # the expert pool, draws, workloads
    EXPERT_POOL_MANAGE = "assessment.expert_pool"  # add, deactivate experts; their conflicts
    EXPERT_DRAW = "assessment.expert_draw"  # draw (and re-draw) a case's confirming experts
    VISITS_RECORD = "visits.record"  # a caregiver checks in and out of their own visits
    VISITS_VIEW = "visits.view"  # visits, bed-days, patrols and findings in scope
    VISITS_BED_DAYS = "visits.bed_days"  # admissions, leave, transfers, discharges (own inst.)
    VISITS_PATROL = "visits.patrol"  # record patrol visits to family-care beneficiaries
    VISITS_SCREEN = "visits.screen"  # start a screening run of a month
    VISITS_RESOLVE = "visits.resolve"  # confirm or dismiss a finding
    VISITS_HOME_POSITION = "visits.home_position"  # take a visit's check-in as the home (own inst.)
    VISITS_CANCEL = "visits.cancel"  # cancel a visit left in progress (own institution)
    VISITS_FOLLOW_UP = "visits.follow_up"  # the office's queue of patrol follow-ups (own inst.)
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
    SUPERVISION_VIEW = "supervision.view"  # inspections, rectifications, appeals in scope
    SUPERVISION_PLAN = "supervision.plan"  # plan inspection tasks and draw their samples
    SUPERVISION_INSPECT = "supervision.inspect"  # record an inspection on the phone page
    SUPERVISION_REVIEW = "supervision.review"  # re-check rectifications, decide appeals
    SUPERVISION_RESPOND = "supervision.respond"  # own institution: answer notices, appeal
    FEEDBACK_VIEW = "feedback.view"  # complaints, return visits, surveys in scope
    FEEDBACK_HANDLE = "feedback.handle"  # take, answer and close complaints; calls; paper surveys
    FEEDBACK_DRAW = "feedback.draw"  # draw a month's return visits
    MATCH_VIEW = "match.view"  # death and hospital lists, matches, recovery proposals in scope
    MATCH_IMPORT = "match.import"  # upload a list, commit or discard it, send a feed
    MATCH_REVIEW = "match.review"  # confirm or reject a match
    SCORECARDS_VIEW = "scorecards.view"  # scorecards, rankings and the rows behind them in scope
    SCORECARDS_COMPUTE = "scorecards.compute"  # compute or recompute a period's scorecards
    SCORECARDS_MANUAL = "scorecards.manual"  # enter on-site points with evidence
    # confirm or dismiss the consequences a score calls for (and carry them out)
    SCORECARDS_CONSEQUENCES = "scorecards.consequences"
    TRAINING_VIEW = "training.view"  # courses, sessions, and the enrolments in scope
    TRAINING_MANAGE = "training.manage"  # courses, sessions, the roll, certificates, subsidies
    TRAINING_ENROL = "training.enrol"  # enrol caregivers in scope (own staff), withdraw them
    PUBLIC_CONTENT = "public.content"  # edit the public site's policy explanations and guides
    CONSULTATION_VIEW = "public.consultation_view"  # consultations from the public, in scope
    CONSULTATION_HANDLE = "public.consultation_handle"  # answer and close them, see the phone
    ASSESSMENT_FEES_VIEW = "assessment_fees.view"  # fee table, runs, statements (own institution)
    ASSESSMENT_FEES_RUN = "assessment_fees.run"  # compute a month's fees, discard an unreviewed run
    ASSESSMENT_FEES_REVIEW = "assessment_fees.review"  # approve an institution's fee statement
    REPORTS_VIEW = "reports.view"  # statistics reports, their runs, downloads and drill-downs
    REPORTS_RUN = "reports.run"  # run a statistics report for a period (stores a run)


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
        | {
            Right.INSURED_AUDIT,
            Right.AUDIT_EXPORT,
            Right.ORGS_VIEW,
            Right.ORGS_MANAGE,
            Right.USERS_MANAGE,
        }
    ),
    Role.BUREAU_REGULATOR: frozenset(
        {Right.INSURED_VIEW, Right.INSURED_AUDIT, Right.AUDIT_EXPORT, Right.ORGS_VIEW}
    ),
    Role.INSURER_CASE_WORKER: frozenset(_REGISTER_WORK | {Right.ORGS_VIEW}),
    # The insurer's own administrator: its logins and its outlets (orgs.manage within itself).
    Role.INSURER_SUPERVISOR: frozenset(
        _REGISTER_WORK
        | {
            Right.INSURED_AUDIT,
            Right.AUDIT_EXPORT,
            Right.ORGS_VIEW,
            Right.ORGS_MANAGE,
            Right.USERS_MANAGE,
        }
    ),
    Role.ASSESSOR: frozenset(),
    Role.ASSESSMENT_EXPERT: frozenset(),
    # The institution's own administrator: its logins and its own organization's details.
    Role.CARE_ADMIN: frozenset({Right.ORGS_VIEW, Right.ORGS_MANAGE, Right.USERS_MANAGE}),
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
        Right.ASSESSORS_MANAGE,
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

# The city expert pool (专家库) and the draw of each case's confirming experts.
_EXPERT_POOL_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {Right.EXPERT_POOL_VIEW, Right.EXPERT_POOL_MANAGE, Right.EXPERT_DRAW},
    Role.BUREAU_REGULATOR: {Right.EXPERT_POOL_VIEW},
    Role.INSURER_CASE_WORKER: {Right.EXPERT_POOL_VIEW, Right.EXPERT_DRAW},
    Role.INSURER_SUPERVISOR: {Right.EXPERT_POOL_VIEW, Right.EXPERT_DRAW},
}

# Home visits, bed-days, patrol visits and screening (visits app).
_VISITS_SUPERVISION = {
    Right.VISITS_VIEW,
    Right.VISITS_SCREEN,
    Right.VISITS_RESOLVE,
}
_VISITS_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: _VISITS_SUPERVISION,
    Role.BUREAU_REGULATOR: {Right.VISITS_VIEW},  # read-only: no screening runs, no findings
    Role.INSURER_CASE_WORKER: _VISITS_SUPERVISION,
    Role.INSURER_SUPERVISOR: _VISITS_SUPERVISION,
    Role.CARE_ADMIN: {
        Right.VISITS_VIEW,
        Right.VISITS_BED_DAYS,
        Right.VISITS_PATROL,
        Right.VISITS_HOME_POSITION,
        Right.VISITS_CANCEL,
        Right.VISITS_FOLLOW_UP,
    },
    Role.CAREGIVER: {Right.VISITS_RECORD, Right.VISITS_PATROL},
}

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

# Inspections, rectification and appeals (supervision app).
_SUPERVISION_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {
        Right.SUPERVISION_VIEW,
        Right.SUPERVISION_PLAN,
        Right.SUPERVISION_INSPECT,
        Right.SUPERVISION_REVIEW,
    },
    Role.BUREAU_REGULATOR: {Right.SUPERVISION_VIEW},
    Role.INSURER_CASE_WORKER: {Right.SUPERVISION_VIEW, Right.SUPERVISION_INSPECT},
    Role.INSURER_SUPERVISOR: {
        Right.SUPERVISION_VIEW,
        Right.SUPERVISION_PLAN,
        Right.SUPERVISION_INSPECT,
        Right.SUPERVISION_REVIEW,
    },
    Role.CARE_ADMIN: {Right.SUPERVISION_VIEW, Right.SUPERVISION_RESPOND},
}

# Complaints, return visits and satisfaction surveys (feedback app).
_FEEDBACK_WORK = {Right.FEEDBACK_VIEW, Right.FEEDBACK_HANDLE, Right.FEEDBACK_DRAW}
_FEEDBACK_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: _FEEDBACK_WORK,
    Role.BUREAU_REGULATOR: {Right.FEEDBACK_VIEW},
    Role.INSURER_CASE_WORKER: _FEEDBACK_WORK,
    Role.INSURER_SUPERVISOR: _FEEDBACK_WORK,
    Role.CARE_ADMIN: {Right.FEEDBACK_VIEW},  # complaints about itself, its scores
}

# Data matching against death lists and hospital admissions (matching app).
_MATCH_WORK = {Right.MATCH_VIEW, Right.MATCH_IMPORT, Right.MATCH_REVIEW}
_MATCHING_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: _MATCH_WORK,
    Role.BUREAU_REGULATOR: {Right.MATCH_VIEW},
    Role.INSURER_CASE_WORKER: _MATCH_WORK,
    Role.INSURER_SUPERVISOR: _MATCH_WORK,
}

# Scorecards of institutions, assessment institutions and insurers (scorecards app).
_SCORECARD_WORK = {Right.SCORECARDS_VIEW, Right.SCORECARDS_COMPUTE, Right.SCORECARDS_MANUAL}
_SCORECARD_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: _SCORECARD_WORK | {Right.SCORECARDS_CONSEQUENCES},
    Role.BUREAU_REGULATOR: {Right.SCORECARDS_VIEW},
    Role.INSURER_CASE_WORKER: {Right.SCORECARDS_VIEW, Right.SCORECARDS_MANUAL},
    Role.INSURER_SUPERVISOR: _SCORECARD_WORK,
    Role.CARE_ADMIN: {Right.SCORECARDS_VIEW},  # its own card
}

# Training courses, sessions and certificates (training app).
_TRAINING_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {Right.TRAINING_VIEW, Right.TRAINING_MANAGE, Right.TRAINING_ENROL},
    Role.BUREAU_REGULATOR: {Right.TRAINING_VIEW},
    Role.CARE_ADMIN: {Right.TRAINING_VIEW, Right.TRAINING_ENROL},  # its own staff
}

# The public site (public app): its content, and the consultations it takes.
_PUBLIC_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {
        Right.PUBLIC_CONTENT,
        Right.CONSULTATION_VIEW,
        Right.CONSULTATION_HANDLE,
    },
    Role.BUREAU_REGULATOR: {Right.CONSULTATION_VIEW},
    Role.INSURER_CASE_WORKER: {Right.CONSULTATION_VIEW, Right.CONSULTATION_HANDLE},
    Role.INSURER_SUPERVISOR: {Right.CONSULTATION_VIEW, Right.CONSULTATION_HANDLE},
}

# Assessment fees settled monthly to the assessment institutions (assessment_fees app); paying
# a statement is a fund expense and needs fund.manage besides.
_FEES_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: {
        Right.ASSESSMENT_FEES_VIEW,
        Right.ASSESSMENT_FEES_RUN,
        Right.ASSESSMENT_FEES_REVIEW,
    },
    Role.BUREAU_REGULATOR: {Right.ASSESSMENT_FEES_VIEW},
    Role.INSURER_CASE_WORKER: {Right.ASSESSMENT_FEES_VIEW, Right.ASSESSMENT_FEES_RUN},
    Role.INSURER_SUPERVISOR: {
        Right.ASSESSMENT_FEES_VIEW,
        Right.ASSESSMENT_FEES_RUN,
        Right.ASSESSMENT_FEES_REVIEW,
    },
    Role.ASSESSOR: {Right.ASSESSMENT_FEES_VIEW},  # its own institution's statements
    Role.ASSESSMENT_EXPERT: {Right.ASSESSMENT_FEES_VIEW},
}
# Statistics reports (reports app). Running one stores a run (derived figures): a write, so
# the regulator reads the runs the bureau makes.
_REPORT_WORK = {Right.REPORTS_VIEW, Right.REPORTS_RUN}
_REPORT_RIGHTS: dict[str, set[str]] = {
    Role.BUREAU_ADMIN: _REPORT_WORK,
    Role.BUREAU_REGULATOR: {Right.REPORTS_VIEW},
    Role.INSURER_SUPERVISOR: _REPORT_WORK,  # the districts it administers
    Role.INSURER_CASE_WORKER: {Right.REPORTS_VIEW},
}

# Each app's rights above, added to the roles that hold them.
for _extras in (
    _PROVIDER_CARE_RIGHTS,
    _ASSESSMENT_RIGHTS,
    _EXPERT_POOL_RIGHTS,
    _VISITS_RIGHTS,
    _SETTLEMENT_RIGHTS,
    _SUPERVISION_RIGHTS,
    _FEEDBACK_RIGHTS,
    _MATCHING_RIGHTS,
    _SCORECARD_RIGHTS,
    _TRAINING_RIGHTS,
    _PUBLIC_RIGHTS,
    _FEES_RIGHTS,
    _REPORT_RIGHTS,
):
    for _role, _extra in _extras.items():
        RIGHTS[_role] = RIGHTS[_role] | _extra

# Rights that read and never write. The regulator holds only these (a test checks it).
READ_ONLY_RIGHTS = frozenset(
    {
        Right.INSURED_VIEW,
        Right.INSURED_AUDIT,
        Right.AUDIT_EXPORT,  # reads; the export leaves only its own audit entry
        Right.ORGS_VIEW,
        Right.PROVIDERS_VIEW,
        Right.CARE_CATALOGUE,
        Right.CARE_VIEW,
        Right.ASSESSMENT_VIEW,
        Right.EXPERT_POOL_VIEW,
        Right.VISITS_VIEW,
        Right.SETTLEMENT_VIEW,
        Right.SETTLEMENT_CALCULATE,  # the benefit calculator computes and stores nothing
        Right.FUND_VIEW,
        Right.SUPERVISION_VIEW,
        Right.FEEDBACK_VIEW,
        Right.MATCH_VIEW,
        Right.SCORECARDS_VIEW,
        Right.TRAINING_VIEW,
        Right.CONSULTATION_VIEW,
        Right.ASSESSMENT_FEES_VIEW,
        Right.REPORTS_VIEW,
    }
)

# What each right lets a person do, as the rights table (docs/data-protection.md) and the
# account pages say it.
RIGHT_LABELS = {
    Right.INSURED_VIEW: "查看参保人（脱敏）",
    Right.INSURED_VIEW_FULL: "查看完整证件号、电话、地址（留痕）",
    Right.INSURED_CREATE: "登记参保人",
    Right.INSURED_UPDATE: "修改参保人信息",
    Right.INSURED_IMPORT: "批量导入参保人",
    Right.INSURED_LIFE_EVENT: "登记身故、住院",
    Right.INSURED_AUDIT: "查看参保人操作记录",
    Right.INSURED_SELF: "查看本人及代办的参保人",
    Right.AUDIT_EXPORT: "导出审计日志（留痕）",
    Right.ORGS_VIEW: "查看机构与区划",
    Right.ORGS_MANAGE: "新建和修改机构、网点、负责区域、共保份额（本机构及下属网点）",
    Right.USERS_MANAGE: "开通、停用、解锁用户账号，重置密码（本机构范围）",
    Right.PROVIDERS_VIEW: "查看定点机构、协议、护理员",
    Right.PROVIDERS_APPLY: "提交定点准入申请",
    Right.PROVIDERS_ADMIT: "准入审核、协议、机构状态",
    Right.CAREGIVERS_MANAGE: "管理护理员、证书、培训",
    Right.CAREGIVERS_VIEW_FULL: "查看护理员完整证件号、电话（留痕）",
    Right.ASSESSORS_MANAGE: "管理评估人员、证书、培训",
    Right.CARE_CATALOGUE: "查看服务项目目录与服务包",
    Right.CARE_VIEW: "查看待遇、护理计划、一人一档",
    Right.CARE_ENTITLEMENT: "办理、变更、暂停、终止待遇",
    Right.CARE_PLAN: "制定护理计划、派定护理员",
    Right.CARE_PLAN_CONFIRM: "窗口记录护理计划确认",
    Right.ASSESSMENT_VIEW: "查看评估案件",
    Right.ASSESSMENT_CONTACT: "查看申请人完整电话、地址（留痕）",
    Right.ASSESSMENT_INTAKE: "窗口受理评估申请",
    Right.ASSESSMENT_ACCEPT: "受理审核",
    Right.ASSESSMENT_DISPATCH: "派单至评估机构",
    Right.ASSESSMENT_ASSIGN: "指派现场评估人员",
    Right.ASSESSMENT_CONDUCT: "现场评估、申请回避",
    Right.ASSESSMENT_CONFIRM: "专家确认评估结果",
    Right.ASSESSMENT_REVIEW: "审核、公示、处理异议",
    Right.ASSESSMENT_CONCLUDE: "出具评估结论书",
    Right.ASSESSMENT_REASSESS: "发起复评",
    Right.ASSESSMENT_APPLY: "本人申请评估、复核",
    Right.EXPERT_POOL_VIEW: "查看评估专家库、专家抽取记录",
    Right.EXPERT_POOL_MANAGE: "管理评估专家库及专家回避关系",
    Right.EXPERT_DRAW: "抽取、重新抽取确认专家",
    Right.VISITS_RECORD: "上门服务签到签退",
    Right.VISITS_VIEW: "查看服务记录、床日、巡查、稽核结果",
    Right.VISITS_BED_DAYS: "登记入住、请假、转出、出院",
    Right.VISITS_PATROL: "登记巡查走访",
    Right.VISITS_SCREEN: "发起稽核",
    Right.VISITS_RESOLVE: "确认或排除稽核疑点",
    Right.VISITS_HOME_POSITION: "以签到位置设定住址坐标",
    Right.VISITS_CANCEL: "取消本机构服务中的记录",
    Right.VISITS_FOLLOW_UP: "跟踪、设定和完成本机构的巡护跟进事项",
    Right.SETTLEMENT_VIEW: "查看结算期、申报、明细、结算单",
    Right.SETTLEMENT_CALCULATE: "待遇测算",
    Right.SETTLEMENT_RUN: "开立和计算月度结算",
    Right.SETTLEMENT_CLAIM: "本机构申报：核对、撤回、提交",
    Right.SETTLEMENT_FIRST_REVIEW: "初审",
    Right.SETTLEMENT_SECOND_REVIEW: "复核",
    Right.SETTLEMENT_PAY: "拨付",
    Right.SETTLEMENT_ADJUST: "结算更正与追回",
    Right.SETTLEMENT_CONFIGURE: "床日标准、补充保障参保",
    Right.FUND_VIEW: "查看基金账、预算执行、风险指标",
    Right.FUND_MANAGE: "登记筹资、经办费用、预算、预警阈值",
    Right.SUPERVISION_VIEW: "查看检查任务、整改通知、申诉",
    Right.SUPERVISION_PLAN: "制定检查计划、抽取检查对象",
    Right.SUPERVISION_INSPECT: "现场检查登记",
    Right.SUPERVISION_REVIEW: "整改复查、申诉裁决、逾期督办",
    Right.SUPERVISION_RESPOND: "本机构整改答复、提出申诉",
    Right.FEEDBACK_VIEW: "查看投诉、回访、满意度",
    Right.FEEDBACK_HANDLE: "受理、答复、办结投诉，登记回访与纸质问卷",
    Right.FEEDBACK_DRAW: "抽取月度回访名单",
    Right.MATCH_VIEW: "查看死亡、住院数据比对及追回建议",
    Right.MATCH_IMPORT: "上传死亡、住院名单",
    Right.MATCH_REVIEW: "核实数据比对结果",
    Right.SCORECARDS_VIEW: "查看考核得分、排名及明细",
    Right.SCORECARDS_COMPUTE: "计算考核得分",
    Right.SCORECARDS_MANUAL: "录入现场考核评分",
    Right.SCORECARDS_CONSEQUENCES: "确认或不予执行考核处理（扣款、暂停、解除协议等）",
    Right.TRAINING_VIEW: "查看培训课程、班次及报名",
    Right.TRAINING_MANAGE: "管理培训课程、班次、出勤成绩、发证与补贴",
    Right.TRAINING_ENROL: "为本机构护理员报名培训",
    Right.PUBLIC_CONTENT: "编辑公开网站的政策解读、办事指南",
    Right.CONSULTATION_VIEW: "查看公众咨询登记",
    Right.CONSULTATION_HANDLE: "答复、办结公众咨询，查看完整电话（留痕）",
    Right.ASSESSMENT_FEES_VIEW: "查看评估费用标准与结算单",
    Right.ASSESSMENT_FEES_RUN: "计算月度评估费用",
    Right.ASSESSMENT_FEES_REVIEW: "审核评估费用结算单",
    Right.REPORTS_VIEW: "查看统计报表、下载及明细",
    Right.REPORTS_RUN: "生成统计报表",
}


def all_rights() -> list[str]:
    """Every right, in the order ``Right`` declares them."""
    return [v for k, v in vars(Right).items() if k.isupper() and isinstance(v, str)]


def rights_table() -> str:
    """The role/right matrix as a Markdown table (docs/data-protection.md)."""
    roles = list(Role)
    head = ["权限", "说明", *(str(r.label) for r in roles)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for right in all_rights():
        marks = ["✓" if right in RIGHTS[r] else "" for r in roles]
        note = RIGHT_LABELS[right] + ("" if right in READ_ONLY_RIGHTS else "（写）")
        lines.append("| " + " | ".join([f"`{right}`", note, *marks]) + " |")
    return "\n".join(lines) + "\n"
