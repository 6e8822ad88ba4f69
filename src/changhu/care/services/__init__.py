"""Every write about entitlements, care arrangements, care plans and caregiver assignments.

Entitlements open from an issued, qualifying conclusion when the guardian has chosen the care
mode and institution (:func:`entitlement_open_from_conclusion`, 办理待遇); which grades qualify
is the benefit policy's in force for the person's region (settlement's policy data, the one
source). A later conclusion applies on its own (:func:`entitlement_apply_reassessment`, called by
the assessment workflow when it issues one): a new qualifying grade replaces the entitlement,
another ends it. Death, loss of insured status and expiry end it through the same path
(:func:`entitlements_apply_lifecycle`, the daily job). Entitlements never overlap for one person
and carry arrangements that change on a date. Care plans are drafted by the institution from the
package for the person's grade and mode, checked against the package's limits before anything
is written, and are in force only once the beneficiary or guardian confirms them. When an
institution can no longer serve, its beneficiaries are moved through transfer cases (转移安置,
``care.services.transfers``).
"""

from changhu.care.services._common import (  # noqa: F401
    ENTITLEMENT_FLOW,
    PLAN_FLOW,
)
from changhu.care.services.assignments import (  # noqa: F401
    assignment_create,
    assignment_end,
    beneficiary_of_institution,
)
from changhu.care.services.entitlements import (  # noqa: F401
    ConclusionOutcome,
    entitlement_apply_reassessment,
    entitlement_change_arrangement,
    entitlement_link_conclusion,
    entitlement_open_from_conclusion,
    entitlement_pause,
    entitlement_terminate,
    entitlements_apply_lifecycle,
    pause_end,
    qualifying_grades_on,
)
from changhu.care.services.plans import (  # noqa: F401
    RELATIONSHIPS,
    PlanLineInput,
    care_plan_confirm,
    care_plan_draft,
    care_plan_revise,
    care_plan_update_draft,
    care_plan_withdraw,
)
from changhu.care.services.transfers import (  # noqa: F401
    EFFECTIVE_AHEAD_DAYS,
    TRANSFER_DAYS,
    TRANSFER_FLOW,
    family_notice_read,
    on_institution_exit,
    transfer_assign,
    transfer_cancel,
    transfer_complete,
    transfer_options,
    transfers_open_for_institution,
)
