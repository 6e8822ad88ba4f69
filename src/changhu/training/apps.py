from changhu.core import app_config


class TrainingConfig(app_config.ChanghuAppConfig):
    name = "changhu.training"
    verbose_name = "培训管理"
    demo_seeder = "demo.seed_training_demo"
