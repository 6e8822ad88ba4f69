"""The registries of what an app ships besides its code: preset loaders, run in order by
``changhu load-presets``, and demo seeders, run in order by ``changhu seed-demo``.

Each preset loader takes no arguments and returns lines describing what it did; each demo seeder
takes no arguments, is idempotent, and returns a report whose ``str()`` (or ``lines()``) says
what it did. Apps declare theirs on their :class:`~changhu.core.apps.ChanghuAppConfig` (``core``
knows no domain app); regions register with ``first=True`` because everything else refers to
them, and the demo city itself is seeded before every registered seeder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from changhu.core.errors import ValidationFailed

PresetLoader = Callable[[], Iterable[object]]
DemoSeeder = Callable[[], object]
_loaders: list[tuple[str, PresetLoader]] = []
_seeders: list[tuple[str, DemoSeeder]] = []


class PresetInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "预置数据文件有误"


def _register(entries: list, name: str, fn: Callable, *, first: bool = False) -> None:
    """Add an entry (or replace the one of the same name, keeping its place)."""
    for index, (existing, _) in enumerate(entries):
        if existing == name:
            entries[index] = (name, fn)
            return
    entries.insert(0 if first else len(entries), (name, fn))


def register_preset_loader(name: str, fn: PresetLoader, *, first: bool = False) -> None:
    _register(_loaders, name, fn, first=first)


def preset_loaders() -> list[tuple[str, PresetLoader]]:
    return list(_loaders)


def run_preset_loaders(only: Iterable[str] = ()) -> list[tuple[str, list[str]]]:
    """Run the registered loaders (or just the named ones); their report lines per loader."""
    wanted = set(only)
    unknown = wanted - {name for name, _ in _loaders}
    if unknown:
        raise PresetInvalid(f"未知的预置数据：{'、'.join(sorted(unknown))}")
    report = []
    for name, fn in _loaders:
        if wanted and name not in wanted:
            continue
        report.append((name, [str(line) for line in fn()]))
    return report


def register_demo_seeder(name: str, fn: DemoSeeder) -> None:
    _register(_seeders, name, fn)


def demo_seeders() -> list[tuple[str, DemoSeeder]]:
    return list(_seeders)
