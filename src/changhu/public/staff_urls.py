"""The back office of the public site: mounted at ``/disclosure/``."""

from django.urls import path

from changhu.public import views

app_name = "disclosure"

urlpatterns = [
    path("articles/", views.article_list, name="article_list"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/<int:pk>/", views.article_edit, name="article_edit"),
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path(
        "consultations/<int:pk>/<slug:action>/",
        views.consultation_action,
        name="consultation_action",
    ),
]
