from changhu.core import app_config


class AssessmentConfig(app_config.ChanghuAppConfig):
    name = "changhu.assessment"
    verbose_name = "失能评估"
    # Rules first: "scales" stays the last loader this app adds (rules only name a scale).
    preset_loaders = {
        "assessment-rules": "presets.load_rule_presets",
        "scales": "presets.load_scale_presets",
    }
    demo_seeder = "demo.seed_assessment_demo"
