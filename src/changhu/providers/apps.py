from changhu.core import app_config


class ProvidersConfig(app_config.ChanghuAppConfig):
    name = "changhu.providers"
    verbose_name = "定点护理机构与护理员"
