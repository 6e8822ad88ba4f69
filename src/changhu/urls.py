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
    path("", include("changhu.web.urls")),
]
