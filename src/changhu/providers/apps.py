from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "changhu.providers"
    label = "providers"
    verbose_name = "定点护理机构与护理员"

    def ready(self) -> None:
        from changhu.core.retention import register_purger
        from changhu.providers import imports, selectors  # noqa: F401  registers scope policies

        register_purger("providers.import_batches", imports.purge_stale)
