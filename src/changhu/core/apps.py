from changhu.core import app_config


class CoreConfig(app_config.ChanghuAppConfig):
    name = "changhu.core"
    verbose_name = "公共基础"
    preset_loaders = {"calendars": "presets.load_calendars"}

    def plug_in(self) -> None:
        from django.core import checks

        from changhu.core.checks import holiday_calendars

        checks.register(holiday_calendars, "changhu")
