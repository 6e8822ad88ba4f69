from django.urls import path

from changhu.insured import import_views as views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path(
        "templates/<str:kind>.<str:file_format>",
        views.import_template,
        name="import_template",
    ),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
