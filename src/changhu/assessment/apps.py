from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "changhu.assessment"
    label = "assessment"
    verbose_name = "失能评估"

    def ready(self) -> None:
        from changhu.assessment import selectors  # noqa: F401  scope policies
        from changhu.assessment.presets import load_rule_presets, load_scale_presets
        from changhu.core.preset_registry import register_preset_loader
        from changhu.orgs.demo import register_demo_seeder

        # Rules first: "scales" stays the last loader this app adds (rules only name a scale).
        register_preset_loader("assessment-rules", load_rule_presets)
        register_preset_loader("scales", load_scale_presets)
        register_demo_seeder("assessment", _seed_assessment_demo)


def _seed_assessment_demo():
    from changhu.assessment.demo import seed_assessment_demo

    return seed_assessment_demo()
