from django.urls import path

from changhu.assessment_fees import views

app_name = "assessment_fees"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("table/", views.fee_table, name="fee_table"),
    path("runs/new/", views.run_new, name="run_new"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/discard/", views.run_discard, name="run_discard"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/approve/", views.statement_approve, name="statement_approve"),
    path("statements/<int:pk>/pay/", views.statement_pay, name="statement_pay"),
    path("statements/<int:pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("statements/<int:pk>/statement.xlsx", views.statement_xlsx, name="statement_xlsx"),
]
