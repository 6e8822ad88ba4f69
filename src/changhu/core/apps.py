from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "changhu.core"
    label = "core"
    verbose_name = "公共基础"

    def ready(self) -> None:
        from django.core import checks

        from changhu.core.checks import holiday_calendars
        from changhu.core.preset_registry import register_preset_loader
        from changhu.core.presets import load_calendars

        register_preset_loader("calendars", load_calendars)
        checks.register(holiday_calendars, "changhu")
