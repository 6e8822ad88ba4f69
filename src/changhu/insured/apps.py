from changhu.core import app_config


class InsuredConfig(app_config.ChanghuAppConfig):
    name = "changhu.insured"
    verbose_name = "参保登记"
