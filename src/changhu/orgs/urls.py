from django.urls import path

from changhu.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.organization_list, name="organization_list"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
]
