"""Every write of the visits app: check-in, check-out, offline batches, photos, bed-days,
patrol visits and their follow-ups, finding resolution and screening requests.

Phone events are idempotent: each carries a client-made UUID, and a retry of an event that was
recorded returns the recorded result. An event that is refused changes nothing, so its retry
is judged afresh. Visits are their own evidence record (who, whom, when on the device and on
the server, where with accuracy, what, photos, confirmation); they are not copied into the
audit trail. Check-out and cancellation go through the visit workflow and its transition log;
bed-day changes and finding resolutions are audited.
"""

from changhu.visits.services._common import (  # noqa: F401
    FINDING_FLOW,
    MAX_BATCH_EVENTS,
    MAX_ITEMS,
    MAX_QUANTITY,
    ONE_DAY,
    PHOTO_MAX_BYTES,
    VISIT_FLOW,
    _caregiver_of,
)
from changhu.visits.services.bed_days import (  # noqa: F401
    bed_days_fill,
    bed_days_mark,
    stay_admit,
    stay_discharge,
)
from changhu.visits.services.follow_ups import (  # noqa: F401
    FOLLOW_UP_FLOW,
    FollowUpInput,
    patrol_follow_up_add,
    patrol_follow_up_done,
)
from changhu.visits.services.raised import (  # noqa: F401
    RAISED_RULES,
    finding_raise,
)
from changhu.visits.services.recording import (  # noqa: F401
    DEFAULT_SHORT_RATIO,
    MIN_VISIT,
    BatchResult,
    CheckIn,
    CheckOut,
    ItemLine,
    family_code_for,
    family_code_issue,
    photo_upload,
    short_visit_ratio,
    visit_batch,
    visit_cancel,
    visit_check_in,
    visit_check_out,
)
from changhu.visits.services.supervision import (  # noqa: F401
    PatrolInput,
    finding_resolve,
    patrol_record,
    period_of,
    screening_request,
)
from changhu.visits.services.today import (  # noqa: F401
    CONTACT_AUDIT_LABELS,
    home_contacts_reveal,
    map_link,
)
