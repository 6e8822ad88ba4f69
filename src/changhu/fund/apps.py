from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "changhu.fund"
    label = "fund"
    verbose_name = "基金管理"

    def ready(self) -> None:
        from changhu.fund import selectors  # noqa: F401  registers scope policies
