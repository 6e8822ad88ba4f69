from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "changhu.care"
    label = "care"
    verbose_name = "待遇资格与护理计划"

    def ready(self) -> None:
        from changhu.care import selectors, signals
        from changhu.care.catalogue import load_all_catalogues
        from changhu.core.preset_registry import register_preset_loader

        register_preset_loader("catalogues", load_all_catalogues)

        from changhu.assessment.selectors import set_care_institutions_source

        # Assessment dispatch avoids the institutions caring for the person.
        set_care_institutions_source(selectors.institutions_caring_for)

        from changhu.orgs.demo import register_demo_seeder

        register_demo_seeder("care", _seed_care_demo)
        signals.connect()


def _seed_care_demo():
    # Imported on use: demo code pulls in Faker, a development dependency.
    from changhu.care.demo import seed_care_demo

    return seed_care_demo()
