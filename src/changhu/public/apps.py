from changhu.core import app_config


class PublicConfig(app_config.ChanghuAppConfig):
    name = "changhu.public"
    verbose_name = "信息公开"
    demo_seeder = "demo.seed_public_demo"
