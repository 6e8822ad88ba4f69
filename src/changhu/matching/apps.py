from changhu.core import app_config


class MatchingConfig(app_config.ChanghuAppConfig):
    name = "changhu.matching"
    verbose_name = "数据比对"
    demo_seeder = "demo.seed_matching_demo"
