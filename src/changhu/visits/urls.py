from django.urls import path

from changhu.visits import patrol_views, views

app_name = "visits"

urlpatterns = [
    path("", views.monitor, name="monitor"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("<int:pk>/home-position/", views.home_position_take, name="home_position_take"),
    path("home-positions/", views.home_positions, name="home_positions"),
    path("track/", views.caregiver_track, name="track"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/resolve/", views.finding_resolve, name="finding_resolve"),
    path("screening/", views.screening_runs, name="screening"),
    path("screening/<int:pk>/", views.run_progress, name="run_progress"),
    path("bed-days/", views.bed_days, name="bed_days"),
    path("patrols/", views.patrol_list, name="patrol_list"),
    path("patrols/<int:pk>/", patrol_views.patrol_detail, name="patrol_detail"),
    path(
        "patrols/<int:pk>/follow-ups/",
        patrol_views.follow_up_add,
        name="patrol_follow_up_add",
    ),
    path("patrols/follow-ups/", patrol_views.follow_up_list, name="follow_up_list"),
    path(
        "patrols/follow-ups/<int:pk>/done/",
        patrol_views.follow_up_done,
        name="follow_up_done",
    ),
]
