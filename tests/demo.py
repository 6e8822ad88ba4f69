"""The demo data the apps' own demo seeders build on."""

from __future__ import annotations


def seed_city_with_care(persons: int, care_persons: int) -> None:
    """The shipped regions, the demo city with ``persons`` people, and care arranged for up to
    ``care_persons`` of them."""
    from changhu.care import demo as care_demo
    from changhu.orgs import demo as city_demo
    from changhu.orgs import presets

    presets.load_all_regions()
    city_demo.seed_demo(persons=persons)
    care_demo.seed_care_demo(persons_limit=care_persons)
