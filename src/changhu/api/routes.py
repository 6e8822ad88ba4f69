"""Mounts every app's router; add a line here when an app gains an API."""

from changhu.api.account import router as account_router
from changhu.api.main import api
from changhu.assessment.api import router as assessment_router
from changhu.care.api import router as care_router
from changhu.fund.api import router as fund_router
from changhu.insured.api import router as insured_router
from changhu.insured.import_api import router as import_router
from changhu.orgs.api import router as orgs_router
from changhu.providers.api import router as providers_router
from changhu.settlement.api import router as settlement_router
from changhu.visits.api import router as visits_router

api.add_router("/auth", account_router)
api.add_router("/orgs", orgs_router)
api.add_router("/insured", insured_router)
api.add_router("/imports", import_router)
api.add_router("/providers", providers_router)
api.add_router("/care", care_router)
api.add_router("/assessment", assessment_router)
api.add_router("/visits", visits_router)
api.add_router("/settlement", settlement_router)
api.add_router("/fund", fund_router)
