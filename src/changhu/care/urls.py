from django.urls import path

from changhu.care import assignment_views, transfer_views, views

app_name = "care"

urlpatterns = [
    path("entitlements/", views.entitlement_list, name="entitlement_list"),
    path("entitlements/new/", views.entitlement_new, name="entitlement_new"),
    path("entitlements/<int:pk>/", views.entitlement_detail, name="entitlement_detail"),
    path(
        "entitlements/<int:pk>/<str:action>/",
        views.entitlement_action,
        name="entitlement_action",
    ),
    path(
        "conclusions/<int:pk>/entitlement/",
        views.conclusion_entitlement,
        name="conclusion_entitlement",
    ),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/<str:action>/", views.plan_action, name="plan_action"),
    path("persons/<int:pk>/", views.person_file, name="person_file"),
    path("assignments/", assignment_views.beneficiary_list, name="assignment_list"),
    path(
        "assignments/persons/<int:person_id>/",
        assignment_views.person_assignments,
        name="assignment_person",
    ),
    path("assignments/<int:pk>/end/", assignment_views.assignment_end, name="assignment_end"),
    path("transfers/", transfer_views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", transfer_views.transfer_detail, name="transfer_detail"),
    path(
        "transfers/<int:pk>/<str:action>/",
        transfer_views.transfer_action,
        name="transfer_action",
    ),
    path("family/transfers/", transfer_views.family_transfers, name="family_transfers"),
    path(
        "family/transfers/<int:pk>/",
        transfer_views.family_transfer_choose,
        name="family_transfer_choose",
    ),
    path(
        "family/notices/<int:pk>/read/",
        transfer_views.family_notice_read,
        name="family_notice_read",
    ),
    path("catalogues/", views.catalogue_list, name="catalogue_list"),
    path("catalogues/<int:pk>/", views.catalogue_detail, name="catalogue_detail"),
    path("packages/<int:pk>/", views.package_detail, name="package_detail"),
]
