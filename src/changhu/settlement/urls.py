from django.urls import path

from changhu.settlement import views

app_name = "settlement"

urlpatterns = [
    path("calculator/", views.calculator_page, name="calculator"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/", views.period_detail, name="period_detail"),
    path("periods/<int:pk>/run/", views.period_run, name="period_run"),
    path("periods/<int:pk>/pay/", views.period_pay, name="period_pay"),
    path("periods/<int:pk>/payments/", views.payment_list, name="payment_list"),
    path("runs/<int:pk>/", views.run_progress, name="run_progress"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/statement.<str:kind>", views.claim_statement, name="claim_statement"),
    path("claims/<int:pk>/<str:action>/", views.claim_action, name="claim_action"),
    path("lines/<int:pk>/", views.line_detail, name="line_detail"),
    path("lines/<int:pk>/<str:action>/", views.line_action, name="line_action"),
]
