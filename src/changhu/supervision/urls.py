from django.urls import path

from changhu.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("new/", views.task_new, name="task_new"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("inspect/", views.inspect_list, name="inspect_list"),
    path("inspect/<int:pk>/", views.inspect_target, name="inspect_target"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/escalate/", views.escalate, name="escalate"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<int:pk>/answer/", views.rectification_answer, name="rectification_answer"
    ),
    path(
        "rectifications/<int:pk>/review/", views.rectification_review, name="rectification_review"
    ),
    path(
        "rectifications/<int:pk>/appeal/", views.rectification_appeal, name="rectification_appeal"
    ),
    path("rectifications/<int:pk>/notice.pdf", views.rectification_notice, name="notice_pdf"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/screening/<int:finding_pk>/", views.appeal_new, name="appeal_new"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
]
