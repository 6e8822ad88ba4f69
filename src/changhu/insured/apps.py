from django.apps import AppConfig


class InsuredConfig(AppConfig):
    name = "changhu.insured"
    label = "insured"
    verbose_name = "参保登记"

    def ready(self) -> None:
        # Scope policies and the import pipeline register themselves on import.
        from changhu.insured import imports, selectors  # noqa: F401
