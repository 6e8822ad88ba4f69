"""Computing a period's claims in SQL, set-based: stage the month once, then write the claims
institution chunk by chunk.

**Staging** (one transaction, into tables of the run — unlogged on PostgreSQL):

1. ``day``: every eligible day of every person arranged with an institution of the region —
   the rules of ``care.eligibility`` as SQL: each arrangement cut to its entitlement, the
   month, the enrolment periods and the day of death gives day ranges; hospital days
   (admission day in, discharge day out) and paused days are taken out;
2. ``item``: the month's payable visits (``visits.selectors.settlement_visits``) priced from
   the catalogue, and in-bed days (``settlement_bed_days``) priced from the tariff; ``cost``
   sums them per person, institution, day and cost kind; ``visits`` lists the visits behind
   each future line;
3. ``rate``: the policy's rate tables expanded to (grade, care mode, institution class).

**Claims**, per chunk of institutions, each chunk one transaction committed with its
``RunChunk`` row: eligible days joined with rates and daily costs, grouped per (person,
institution, benefit, payee, grade, mode, class), amounts by the rule kind's formula in
:data:`RULE_SQL` — the same integer arithmetic as :mod:`changhu.settlement.policy`; then the
visits and bed-days not paid, with their reason code (a confirmed finding's rule, or no
eligible day with that institution).

Claims already submitted are left alone; draft claims are replaced, keeping the institution's
withdrawals and reviewers' rejections (``LineDecision``, by line key). A run that dies halfway
resumes with the remaining chunks (re-staging first if its staging is gone) and ends with the
same totals. Supplementary (tier-2) lines are computed last, for the whole period.
"""

from changhu.settlement.compute._common import (  # noqa: F401
    MAX_CHUNK_SIZE,
    MAX_CHUNKS,
    NO_ELIGIBLE_DAY,
    NO_ELIGIBLE_DAY_REASON,
    RULE_SQL,
    Context,
    S,
    SimulatedCrash,
    _t,
    context_for,
    rules_month,
)
from changhu.settlement.compute.claims import (  # noqa: F401
    compute_chunk,
    open_institutions,
    refresh_totals,
    supplement_lines,
)
from changhu.settlement.compute.run import (  # noqa: F401
    Progress,
    drop_staging,
    execute,
    plan_chunks,
)
from changhu.settlement.compute.staging import (  # noqa: F401
    Staging,
    rate_rows,
    stage,
)
