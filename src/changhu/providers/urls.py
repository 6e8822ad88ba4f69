from django.urls import path

from changhu.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/status/", views.institution_status, name="institution_status"),
    path("institutions/<int:pk>/agreements/", views.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/renew/", views.agreement_renew, name="agreement_renew"),
    path("agreements/<int:pk>/terminate/", views.agreement_end, name="agreement_end"),
    path(
        "assessment-institutions/",
        views.institution_list,
        {"kind": "assessment"},
        name="assessment_institution_list",
    ),
    path(
        "admissions/new/assessment/",
        views.admission_new,
        {"kind": "assessment"},
        name="assessment_admission_new",
    ),
    path("assessors/", views.assessor_list, name="assessor_list"),
    path("assessors/new/", views.assessor_new, name="assessor_new"),
    path("assessors/<int:pk>/", views.assessor_detail, name="assessor_detail"),
    path("assessors/<int:pk>/edit/", views.assessor_edit, name="assessor_edit"),
    path("assessors/<int:pk>/<str:action>/", views.assessor_action, name="assessor_action"),
    path("agreements/due/", views.agreements_due, name="agreements_due"),
    path("admissions/", views.admission_list, name="admission_list"),
    path("admissions/new/", views.admission_new, name="admission_new"),
    path("admissions/<int:pk>/", views.admission_detail, name="admission_detail"),
    path("admissions/<int:pk>/<str:action>/", views.admission_action, name="admission_action"),
    path("caregivers/", views.caregiver_list, name="caregiver_list"),
    path("caregivers/new/", views.caregiver_new, name="caregiver_new"),
    path("caregivers/<int:pk>/", views.caregiver_detail, name="caregiver_detail"),
    path("caregivers/<int:pk>/<str:action>/", views.caregiver_action, name="caregiver_action"),
    path("certificates/expiring/", views.certificates_expiring, name="certificates_expiring"),
    path("imports/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("exports/<str:kind>.xlsx", views.export, name="export"),
]
