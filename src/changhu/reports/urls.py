from django.urls import path

from changhu.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<slug:code>/run/", views.run_new, name="run_new"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/download/<slug:fmt>/", views.run_download, name="run_download"),
    path("runs/<int:pk>/cells/<slug:section>/<int:column>/", views.drill_down, name="drill_down"),
]
