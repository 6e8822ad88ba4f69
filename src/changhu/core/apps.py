from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "changhu.core"
    label = "core"
    verbose_name = "公共基础"
