"""The public site, no sign-in: mounted at ``/public/``."""

from django.urls import path

from changhu.public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("institutions/", views.institutions, name="institutions"),
    path("publicity/", views.publicity, name="publicity"),
    path("fund/", views.fund, name="fund"),
    path("articles/<slug:kind>/", views.articles, name="articles"),
    path("article/<int:pk>/", views.article, name="article"),
    path("consult/", views.consult, name="consult"),
]
