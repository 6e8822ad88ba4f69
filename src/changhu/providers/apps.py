from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "changhu.providers"
    label = "providers"
    verbose_name = "定点护理机构与护理员"

    def ready(self) -> None:
        from changhu.providers import selectors  # noqa: F401  registers scope policies
