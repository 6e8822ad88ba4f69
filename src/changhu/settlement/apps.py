from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "changhu.settlement"
    label = "settlement"
    verbose_name = "待遇政策与月度结算"

    def ready(self) -> None:
        from changhu.core.preset_registry import register_preset_loader
        from changhu.orgs.demo import register_demo_seeder
        from changhu.settlement import selectors  # noqa: F401  registers scope policies
        from changhu.settlement.policies import load_all_policies

        register_preset_loader("policies", load_all_policies)
        register_demo_seeder("settlement", _seed_settlement_demo)


def _seed_settlement_demo():
    from changhu.settlement.demo import seed_settlement_demo

    return seed_settlement_demo()
