from django.urls import path

from changhu.visits import pwa

app_name = "pwa"

urlpatterns = [
    path("", pwa.shell, name="shell"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
]
