from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "changhu.orgs"
    label = "orgs"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        from changhu.core import scope
        from changhu.orgs import scoping, signals

        scope.set_scope_resolver(scoping.scope_for_user)
        signals.connect()
