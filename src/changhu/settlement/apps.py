from changhu.core import app_config


class SettlementConfig(app_config.ChanghuAppConfig):
    name = "changhu.settlement"
    verbose_name = "待遇政策与月度结算"
    preset_loaders = {"policies": "policies.load_all_policies"}
    demo_seeder = "demo.seed_settlement_demo"
