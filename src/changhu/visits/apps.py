from changhu.core import app_config


class VisitsConfig(app_config.ChanghuAppConfig):
    name = "changhu.visits"
    verbose_name = "上门服务、床日、巡护与稽核"
    preset_loaders = {"screening": "rulesets.load_all_rule_sets"}
    demo_seeder = "demo.seed_visits_demo"
