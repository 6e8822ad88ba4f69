from django.urls import path

from changhu.scorecards import views

app_name = "scorecards"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("compute/", views.compute_page, name="compute"),
    path("consequences/", views.consequence_list, name="consequences"),
    path("consequences/<int:pk>/confirm/", views.consequence_confirm, name="consequence_confirm"),
    path("consequences/<int:pk>/dismiss/", views.consequence_dismiss, name="consequence_dismiss"),
    path("<slug:kind>/<slug:period>/<int:org>/", views.card_detail, name="card"),
    path("<slug:kind>/<slug:period>/<int:org>/manual/", views.manual_new, name="manual_new"),
    path(
        "<slug:kind>/<slug:period>/<int:org>/indicators/<slug:code>/",
        views.drill_down,
        name="drill_down",
    ),
    path("manual/<int:pk>/evidence/", views.evidence, name="evidence"),
]
