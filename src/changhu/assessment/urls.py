from django.urls import path

from changhu.assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.application_create, name="application_create"),
    path("publicity/", views.publicity, name="publicity"),
    path("publicity/export/", views.publicity_export, name="publicity_export"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("conclusions/<int:pk>/letter/", views.conclusion_letter, name="conclusion_letter"),
    path("conclusions/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("conclusions/<int:pk>/reassess/", views.reassess, name="reassess"),
    path("objections/<int:pk>/handle/", views.objection_handle, name="objection_handle"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/form/", views.assessment_form, name="assessment_form"),
    path("<int:pk>/form/score/", views.form_score, name="form_score"),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
    path("<int:pk>/materials/", views.request_materials, name="request_materials"),
    path("<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/objections/", views.objection_create, name="objection_create"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/contact/", views.contact, name="contact"),
    path("<int:pk>/<slug:action>/", views.case_action, name="case_action"),
]
