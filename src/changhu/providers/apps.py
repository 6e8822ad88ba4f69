from changhu.core import app_config


class ProvidersConfig(app_config.ChanghuAppConfig):
    name = "changhu.providers"
    verbose_name = "定点机构、护理员与评估人员"
    demo_seeder = "demo.seed_providers_demo"
