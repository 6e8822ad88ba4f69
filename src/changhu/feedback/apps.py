from changhu.core import app_config


class FeedbackConfig(app_config.ChanghuAppConfig):
    name = "changhu.feedback"
    verbose_name = "投诉、回访与满意度"
    preset_loaders = {"questionnaires": "questionnaires.load_all"}
    demo_seeder = "demo.seed_feedback_demo"

    def plug_in(self) -> None:
        """Complaints weigh in the inspection sample when the supervision app is installed."""
        from django.apps import apps

        if not apps.is_installed("changhu.supervision"):
            return
        from changhu.feedback.selectors import RISK_LOOKBACK_DAYS, complaint_counts
        from changhu.supervision import risk

        risk.register_risk_source(
            risk.RiskSource(
                "feedback.complaints",
                f"近{RISK_LOOKBACK_DAYS}天投诉",
                2.0,
                institutions=complaint_counts("institution_id"),
                persons=complaint_counts("person_id"),
            )
        )
