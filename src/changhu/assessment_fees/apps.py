from changhu.core import app_config


class AssessmentFeesConfig(app_config.ChanghuAppConfig):
    name = "changhu.assessment_fees"
    verbose_name = "评估费用"
    preset_loaders = {"assessment-fees": "tables.load_fee_tables"}
    demo_seeder = "demo.seed_assessment_fees_demo"
