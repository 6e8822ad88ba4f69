from django.urls import path

from changhu.visits import patrol_views, pwa

app_name = "pwa"

urlpatterns = [
    path("", pwa.shell, name="shell"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("patrols/", patrol_views.phone_patrols, name="patrols"),
    path("patrols/new/", patrol_views.phone_patrol_new, name="patrol_new"),
]
