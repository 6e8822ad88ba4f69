from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "changhu.orgs"
    label = "orgs"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        from changhu.core import scope
        from changhu.core.preset_registry import register_preset_loader
        from changhu.orgs import scoping, signals
        from changhu.orgs.presets import load_all_regions

        scope.set_scope_resolver(scoping.scope_for_user)
        signals.connect()
        # Everything else refers to regions: they load first.
        register_preset_loader("regions", load_all_regions, first=True)
