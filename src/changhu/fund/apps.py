from changhu.core import app_config


class FundConfig(app_config.ChanghuAppConfig):
    name = "changhu.fund"
    verbose_name = "基金管理"
