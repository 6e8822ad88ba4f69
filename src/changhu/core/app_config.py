"""The base of every Changhu app's ``AppConfig``: what an app plugs into core's registries.

Kept out of ``apps`` modules: Django takes the one ``AppConfig`` subclass an ``apps`` module
names as the app's configuration, so apps import this module, not the class.
"""

from importlib import import_module

from django.apps import AppConfig
from django.utils.module_loading import import_string, module_has_submodule

# Modules an app may have that register something when imported: scope policies (selectors)
# and import pipelines (imports).
SELF_REGISTERING = ("selectors", "imports")


class ChanghuAppConfig(AppConfig):
    """An app of Changhu, plugged into core's registries by ``ready()`` from what it declares.

    ``preset_loaders`` maps a preset's name to the loader's path inside the app (run by
    ``changhu load-presets`` in the order the apps are installed); ``demo_seeder`` is the path of
    the function that seeds the app's demo data, imported only when the demo is seeded (demo
    code pulls in Faker, a development dependency). The app's ``selectors`` and ``imports``
    modules, where it has them, are imported so that they register themselves. Anything else the
    app wires at start-up goes in ``plug_in()``.
    """

    preset_loaders: dict[str, str] = {}
    presets_first = False  # regions: everything else refers to them
    demo_seeder = ""

    def ready(self) -> None:
        from changhu.core.preset_registry import register_demo_seeder, register_preset_loader

        for module in SELF_REGISTERING:
            if module_has_submodule(self.module, module):
                import_module(f"{self.name}.{module}")
        for name, path in self.preset_loaders.items():
            register_preset_loader(name, self._resolve(path), first=self.presets_first)
        if self.demo_seeder:
            register_demo_seeder(self.label, lambda: self._resolve(self.demo_seeder)())
        self.plug_in()

    def plug_in(self) -> None:
        """Start-up wiring of the app's own (signals, resolvers)."""

    def _resolve(self, path: str):
        return import_string(f"{self.name}.{path}")
