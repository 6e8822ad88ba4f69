from django.contrib import admin
from django.urls import include, path

from changhu.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("insured/", include("changhu.insured.urls")),
    path("imports/", include("changhu.insured.import_urls")),
    path("orgs/", include("changhu.orgs.urls")),
    path("providers/", include("changhu.providers.urls")),
    path("care/", include("changhu.care.urls")),
    path("assessment/", include("changhu.assessment.urls")),
    path("visits/", include("changhu.visits.urls")),
    path("pwa/", include("changhu.visits.pwa_urls")),
    path("settlement/", include("changhu.settlement.urls")),
    path("fund/", include("changhu.fund.urls")),
    path("supervision/match/", include("changhu.matching.urls")),
    path("supervision/", include("changhu.supervision.urls")),
    path("supervision/", include("changhu.feedback.urls")),
    path("scorecards/", include("changhu.scorecards.urls")),
    path("training/", include("changhu.training.urls")),
    path("public/", include("changhu.public.urls")),
    path("disclosure/", include("changhu.public.staff_urls")),
    path("assessment-fees/", include("changhu.assessment_fees.urls")),
    path("", include("changhu.web.urls")),
]

# Chinese error pages in the back-office layout; the API's JSON error shape under /api/.
handler400 = "changhu.web.errors.bad_request"
handler403 = "changhu.web.errors.permission_denied"
handler404 = "changhu.web.errors.page_not_found"
handler500 = "changhu.web.errors.server_error"
