from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WebConfig(AppConfig):
    name = "changhu.web"
    label = "web"
    verbose_name = "后台界面"

    def ready(self) -> None:
        from changhu.web import register_queues

        register_queues.register()
        # Later apps add their home-page queues in a ``queues`` module of their own.
        autodiscover_modules("queues")
        # … and the kinds of search picker they need in a ``pickers`` module.
        autodiscover_modules("pickers")
