from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "changhu.assessment"
    label = "assessment"
    verbose_name = "失能评估"

    def ready(self) -> None:
        from changhu.assessment.presets import load_scale_presets
        from changhu.orgs.presets import register_preset_loader

        register_preset_loader("scales", load_scale_presets)
