from changhu.core import app_config


class ReportsConfig(app_config.ChanghuAppConfig):
    name = "changhu.reports"
    verbose_name = "统计报表"
    preset_loaders = {"reports": "definitions.load_all"}
    demo_seeder = "demo.seed_reports_demo"
