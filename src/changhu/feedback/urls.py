from django.urls import path

from changhu.feedback import views

app_name = "feedback"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/public/", views.complaint_public, name="complaint_public"),
    path("complaints/mine/", views.family_complaints, name="family_complaints"),
    path("complaints/mine/new/", views.family_complaint_new, name="family_complaint_new"),
    path(
        "complaints/mine/<int:pk>/", views.family_complaint_detail, name="family_complaint_detail"
    ),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_action, name="complaint_action"),
    path("return-visits/", views.return_visit_list, name="return_visit_list"),
    path("return-visits/draw/", views.return_visit_draw, name="return_visit_draw"),
    path("return-visits/<int:pk>/", views.return_visit_call, name="return_visit_call"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path("surveys/mine/", views.family_survey, name="family_survey"),
]
