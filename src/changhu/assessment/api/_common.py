"""The assessment API's router."""

from __future__ import annotations

from ninja import Router

from changhu.assessment import scoring, selectors

router = Router(tags=["失能评估"])


def score_body(partial: scoring.PartialResult, scale: scoring.Scale, region_code: str = "") -> dict:
    """The live score; ``qualifying`` per the benefit policy of the case's region (unknown
    without a case: the scale does not decide which grades qualify)."""
    result = partial.result
    return {
        "scale": partial.scale_code,
        "version": partial.scale_version,
        "complete": partial.complete,
        "scores": dict(partial.scores),
        "levels": dict(partial.levels),
        "level_names": {code: scale.level(level).name for code, level in partial.levels.items()},
        "missing": list(partial.missing),
        "grade_range": list(partial.grade_range),
        "grade": result.grade if result else None,
        "grade_label": result.grade_label if result else None,
        "qualifying": (
            selectors.grade_qualifies(region_code, result.grade) if result and region_code else None
        ),
    }
