from django.urls import path

from changhu.assessment import expert_views, views

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
    path("experts/", expert_views.expert_list, name="expert_list"),
    path("experts/new/", expert_views.expert_add, name="expert_add"),
    path("experts/<int:pk>/", expert_views.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/deactivate/", expert_views.expert_deactivate, name="expert_deactivate"),
    path("experts/<int:pk>/conflicts/", expert_views.conflict_declare, name="conflict_declare"),
    path("conflicts/<int:pk>/withdraw/", expert_views.conflict_withdraw, name="conflict_withdraw"),
    path("draws/<int:pk>/", expert_views.draw_detail, name="draw_detail"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/draw/", expert_views.draw, name="draw"),
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
