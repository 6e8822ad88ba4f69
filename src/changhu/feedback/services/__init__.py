"""Every write of complaints, return visits and satisfaction surveys.

Complaints move through one workflow (received → acknowledged → escalated → replied → closed),
each move logged and audited; deadlines are counted in working days from the day received. A
substantiated complaint about visits, and a return visit that finds a visit did not happen as
recorded, open findings through ``visits.services.finding_raise`` (a confirmed one stops the
visit's payment). Return visits are drawn per institution and month, weighted by risk, from a
seeded generator: drawing a month again changes nothing.

The services live in one module per section; every name stays importable from here.
"""

from changhu.feedback.services._common import (  # noqa: F401
    _C,
    _OPEN,
    _R,
    COMPLAINT_FLOW,
    MAX_CONTENT,
    PHONE_PURPOSE,
    RETURN_VISIT_FLOW,
    SERVED_DAYS,
    SOURCE_PURPOSE,
    _category,
    _next_number,
    _now_date,
    _satisfaction,
    _text,
    deadlines,
    person_visits,
    served_by,
)
from changhu.feedback.services.complaints import (  # noqa: F401
    ComplaintInput,
    _create,
    _locked,
    _visits_of,
    complainant_phone,
    complaint_acknowledge,
    complaint_close,
    complaint_create,
    complaint_escalate,
    complaint_reply,
    complaint_substantiate,
    family_complaint_create,
    family_persons,
    public_complaint_create,
    public_source_key,
)
from changhu.feedback.services.return_visits import (  # noqa: F401
    CallInput,
    _population,
    _script_answers,
    _survey_create,
    _survey_scores,
    discrepancies,
    draw_size,
    return_visit_record,
    return_visits_draw,
    risk_weights,
    weighted_sample,
)
from changhu.feedback.services.surveys import (  # noqa: F401
    survey_record,
)
