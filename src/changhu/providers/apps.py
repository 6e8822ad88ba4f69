from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "changhu.providers"
    label = "providers"
    verbose_name = "定点护理机构与护理员"

    def ready(self) -> None:
        # Scope policies and the import pipeline register themselves on import.
        from changhu.providers import imports, selectors  # noqa: F401
