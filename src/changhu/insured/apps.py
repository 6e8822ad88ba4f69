from django.apps import AppConfig


class InsuredConfig(AppConfig):
    name = "changhu.insured"
    label = "insured"
    verbose_name = "参保登记"

    def ready(self) -> None:
        from changhu.core.retention import register_purger
        from changhu.insured import imports, selectors  # noqa: F401  register scope policies

        register_purger("insured.import_batches", imports.purge_stale)
