"""Every write of the assessment workflow: one function per step, in a transaction.

Each step checks the actor's right and scope, validates, moves the case through the workflow
table (``assessment.workflow``) with compare-and-set, and records what happened: the transition
log or a case event, the audit trail for personal data, and a notice to the applicant.
Numbers that a city may set (deadlines, team sizes, validity, fees) come from the rules
version the case was opened under.
"""

from changhu.assessment.services._common import (  # noqa: F401
    AUDIT_LABELS,
    AUDIT_MASKERS,
    MAX_DOCUMENTS_PER_REQUEST,
    _log_creation,
)
from changhu.assessment.services.conclusion import (  # noqa: F401
    _letter_pdf,
    appeal_request,
    conclusion_issue,
    conclusion_letter,
    notice_mark_read,
    reassessment_open,
)
from changhu.assessment.services.deadlines import (  # noqa: F401
    DeadlineReport,
    _flag_overdue,
    periodic_reassessments_open,
    run_deadlines,
)
from changhu.assessment.services.dispatch import (  # noqa: F401
    application_dispatch,
    application_recall,
    assessor_recuse,
    assessors_assign,
)
from changhu.assessment.services.experts import (  # noqa: F401
    ExpertInput,
    conflict_declare,
    conflict_withdraw,
    expert_add,
    expert_deactivate,
    expert_draw_make,
    may_confirm,
)
from changhu.assessment.services.intake import (  # noqa: F401
    ApplicationInput,
    Upload,
    application_accept,
    application_refuse,
    application_request_materials,
    application_resubmit,
    application_submit,
    application_withdraw,
    contact_reveal,
    document_add,
    document_read,
)
from changhu.assessment.services.onsite import (  # noqa: F401
    FormInput,
    assessment_form_save,
    assessment_submit,
)
from changhu.assessment.services.review import (  # noqa: F401
    _close_publicity_if_due,
    application_review,
    assessment_confirm,
    objection_handle,
    objection_record,
)
from changhu.assessment.workflow import WORKFLOW  # noqa: F401  (long imported from here)

__all__ = [
    "ApplicationInput",
    "FormInput",
    "Upload",
    "application_submit",
    "run_deadlines",
]
