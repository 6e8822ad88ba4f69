"""The registry of preset loaders run by ``changhu load-presets``, in order.

Each loader takes no arguments and returns lines describing what it did. Apps register theirs
in ``AppConfig.ready()`` (``core`` knows no domain app); regions register with ``first=True``
because everything else refers to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from changhu.core.errors import ValidationFailed

PresetLoader = Callable[[], Iterable[object]]
_loaders: list[tuple[str, PresetLoader]] = []


class PresetInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "预置数据文件有误"


def register_preset_loader(name: str, fn: PresetLoader, *, first: bool = False) -> None:
    """Add a loader (or replace the one of the same name, keeping its place)."""
    for index, (existing, _) in enumerate(_loaders):
        if existing == name:
            _loaders[index] = (name, fn)
            return
    if first:
        _loaders.insert(0, (name, fn))
    else:
        _loaders.append((name, fn))


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
