from changhu.core import app_config


class ScorecardsConfig(app_config.ChanghuAppConfig):
    name = "changhu.scorecards"
    verbose_name = "考核评分"
    preset_loaders = {
        "scorecards": "indicators.load_all_sets",
        "scorecard-consequences": "consequences.load_all_rule_sets",
    }
    demo_seeder = "demo.seed_scorecards_demo"
