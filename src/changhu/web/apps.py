from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "changhu.web"
    label = "web"
    verbose_name = "后台界面"
