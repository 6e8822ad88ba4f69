"""Every app's router and where it is mounted; add a line here when an app gains an API.

Imports no part of the API itself: ``changhu.api.main`` builds the API and mounts these."""

from changhu.api.account import router as account_router
from changhu.assessment.api import router as assessment_router
from changhu.assessment_fees.api import router as assessment_fees_router
from changhu.care.api import router as care_router
from changhu.feedback.api import router as feedback_router
from changhu.fund.api import router as fund_router
from changhu.insured.api import router as insured_router
from changhu.insured.import_api import router as import_router
from changhu.matching.api import router as matching_router
from changhu.orgs.api import router as orgs_router
from changhu.providers.api import router as providers_router
from changhu.scorecards.api import router as scorecards_router
from changhu.settlement.api import router as settlement_router
from changhu.supervision.api import router as supervision_router
from changhu.training.api import router as training_router
from changhu.visits.api import router as visits_router

ROUTERS = [
    ("/auth", account_router),
    ("/orgs", orgs_router),
    ("/insured", insured_router),
    ("/imports", import_router),
    ("/providers", providers_router),
    ("/care", care_router),
    ("/assessment", assessment_router),
    ("/visits", visits_router),
    ("/settlement", settlement_router),
    ("/fund", fund_router),
    ("/supervision/match", matching_router),
    ("/supervision", supervision_router),
    ("/supervision", feedback_router),
    ("/scorecards", scorecards_router),
    ("/training", training_router),
    ("/assessment-fees", assessment_fees_router),
]
