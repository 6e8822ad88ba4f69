"""Benefit policies, the calculator, monthly settlement and payments over HTTP."""

# ruff: noqa: I001  (endpoint modules are imported in the order their routes were written)
from changhu.settlement.api._common import (  # noqa: F401
    router,
)
from changhu.settlement.api.schemas import (  # noqa: F401
    AdjustmentIn,
    CalculateIn,
    ClaimOut,
    ExplanationOut,
    LineOut,
    LineQuery,
    MemberIn,
    MemberOut,
    PaymentOut,
    PaymentSummaryOut,
    PeriodIn,
    PeriodOut,
    PolicyDetailOut,
    PolicyOut,
    SettlementReasonIn,
    RejectIn,
    ClaimReviewIn,
    SettlementRunOut,
    TariffIn,
    TariffOut,
)
from changhu.settlement.api.policies import (  # noqa: F401
    benefit_calculate,
    policy_detail,
    policy_list,
)
from changhu.settlement.api.periods import (  # noqa: F401
    payment_list,
    period_detail,
    period_list,
    period_open,
    period_pay,
    run_detail,
    run_request,
)
from changhu.settlement.api.claims import (  # noqa: F401
    adjustment_create,
    claim_detail,
    claim_exclusions,
    claim_first_review,
    claim_lines,
    claim_list,
    claim_second_review,
    claim_statement_pdf,
    claim_statement_xlsx,
    claim_submit,
    line_detail,
    line_reject,
    line_restore,
    line_withdraw,
)
from changhu.settlement.api.configuration import (  # noqa: F401
    member_enrol,
    member_list,
    tariff_list,
    tariff_set,
)
