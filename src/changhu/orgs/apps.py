from changhu.core import app_config


class OrgsConfig(app_config.ChanghuAppConfig):
    name = "changhu.orgs"
    verbose_name = "机构与用户"
    preset_loaders = {"regions": "presets.load_all_regions"}
    presets_first = True

    def plug_in(self) -> None:
        from changhu.core import scope
        from changhu.orgs import audit_trail, scoping, signals  # noqa: F401 - scope policies

        scope.set_scope_resolver(scoping.scope_for_user)
        signals.connect()
