from django.urls import path

from changhu.training import views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("sessions/<int:pk>/roll/", views.roll, name="roll"),
    path("sessions/<int:pk>/issue/", views.issue, name="issue"),
    path("sessions/<int:pk>/subsidy/", views.subsidy, name="subsidy"),
    path("enrolments/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
