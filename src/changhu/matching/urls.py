from django.urls import path

from changhu.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("new/", views.batch_new, name="batch_new"),
    path("templates/<str:kind>.<str:file_format>", views.batch_template, name="batch_template"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/commit/", views.batch_commit, name="batch_commit"),
    path("<int:pk>/discard/", views.batch_discard, name="batch_discard"),
    path("<int:pk>/report.xlsx", views.batch_report, name="batch_report"),
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
    path("records/<int:pk>/reject/", views.record_reject, name="record_reject"),
    path("recoveries/", views.recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/apply/", views.recovery_apply, name="recovery_apply"),
    path("recoveries/<int:pk>/dismiss/", views.recovery_dismiss, name="recovery_dismiss"),
]
