from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "changhu.visits"
    label = "visits"
    verbose_name = "上门服务、床日、巡护与稽核"

    def ready(self) -> None:
        from changhu.core.preset_registry import register_preset_loader
        from changhu.visits import selectors  # noqa: F401  registers scope policies
        from changhu.visits.rulesets import load_all_rule_sets

        register_preset_loader("screening", load_all_rule_sets)

        from changhu.orgs.demo import register_demo_seeder

        register_demo_seeder("visits", _seed_visits_demo)


def _seed_visits_demo():
    # Imported on use, like care's: demo code is not needed to serve requests.
    from changhu.visits.demo import seed_visits_demo

    return seed_visits_demo()
