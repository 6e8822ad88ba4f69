from django.urls import path

from changhu.orgs import manage_views as views

app_name = "manage"

urlpatterns = [
    path("", views.home, name="home"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/<str:action>/", views.user_action, name="user_action"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_new, name="organization_new"),
    path("organizations/<int:pk>/", views.organization_edit, name="organization_edit"),
    path("roles/", views.role_rights, name="role_rights"),
    path("imports/", views.import_new, name="import_new"),
    path("imports/template.xlsx", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
