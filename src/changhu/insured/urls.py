from django.urls import path

from changhu.insured import views

app_name = "insured"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("streets/", views.street_options, name="street_options"),
    path("life-events/", views.life_event_list, name="life_event_list"),
    path("life-events/<int:pk>/close/", views.hospital_stay_close, name="hospital_stay_close"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/audit/", views.person_audit, name="person_audit"),
    path("<int:pk>/life-events/", views.life_event_create, name="life_event_create"),
]
