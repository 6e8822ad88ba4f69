from django.urls import path

from changhu.fund import views

app_name = "fund"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("entries/", views.entry_list, name="entry_list"),
    path("record/<str:what>/", views.record, name="record"),
]
