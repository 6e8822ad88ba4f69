from changhu.core import app_config


class CareConfig(app_config.ChanghuAppConfig):
    name = "changhu.care"
    verbose_name = "待遇资格与护理计划"
    preset_loaders = {"catalogues": "catalogue.load_all_catalogues"}
    demo_seeder = "demo.seed_care_demo"

    def plug_in(self) -> None:
        from changhu.assessment.selectors import set_care_institutions_source
        from changhu.care import selectors, signals

        # Assessment dispatch avoids the institutions caring for the person.
        set_care_institutions_source(selectors.institutions_caring_for)
        signals.connect()
