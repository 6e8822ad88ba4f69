"""The ranking as a workbook (cells neutralised by changhu.core.excel)."""

from __future__ import annotations

from changhu.core import excel


def ranking_sheet(cards, districts: dict[str, str]) -> excel.Sheet:
    cards = list(cards)
    names = [i.name for i in cards[0].indicators.all()] if cards else []
    headers = ["名次", "机构", "所在区县", "总分", *names]
    rows = [
        [
            position,
            card.organization.name,
            districts.get(card.region_code[:6], ""),
            float(card.score),
            *[float(i.points) for i in card.indicators.all()],
        ]
        for position, card in enumerate(cards, start=1)
    ]
    return excel.Sheet("考核排名", headers, rows)
