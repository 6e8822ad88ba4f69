from changhu.core import app_config


class SupervisionConfig(app_config.ChanghuAppConfig):
    name = "changhu.supervision"
    verbose_name = "监督检查与整改"
    preset_loaders = {"inspection": "checklists.load_all_checklists"}
    demo_seeder = "demo.seed_supervision_demo"
