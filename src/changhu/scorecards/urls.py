from django.urls import path

from changhu.scorecards import views

app_name = "scorecards"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("compute/", views.compute_page, name="compute"),
    path("<slug:kind>/<slug:period>/<int:org>/", views.card_detail, name="card"),
    path("<slug:kind>/<slug:period>/<int:org>/manual/", views.manual_new, name="manual_new"),
    path(
        "<slug:kind>/<slug:period>/<int:org>/indicators/<slug:code>/",
        views.drill_down,
        name="drill_down",
    ),
    path("manual/<int:pk>/evidence/", views.evidence, name="evidence"),
]
