"""Benefit policies and the benefit calculator over HTTP."""

from __future__ import annotations

from typing import Any

from changhu.api.rights import needs
from changhu.api.schemas import errors
from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.settlement import calculator, policies, selectors
from changhu.settlement.api._common import router
from changhu.settlement.api.schemas import CalculateIn, PolicyDetailOut, PolicyOut

# --- policies and the calculator ------------------------------------------------------------


@router.get("/policies", response={200: list[PolicyOut], **errors()})
def policy_list(request):
    """已加载的待遇政策版本（含补充保障）。"""
    return list(selectors.policy_list(fetched_by=request.auth))


@router.get("/policies/{int:policy_id}", response={200: PolicyDetailOut, **errors(404)})
def policy_detail(request, policy_id: int):
    """政策版本的完整规则数据。"""
    return selectors.policy_get(fetched_by=request.auth, policy_id=policy_id)


@router.post("/benefit/calculate", response={200: dict[str, Any], **errors(403, 404, 422)})
@needs(Right.SETTLEMENT_CALCULATE, writes=False)
def benefit_calculate(request, payload: CalculateIn):
    """待遇测算：按政策计算一个人一个月的待遇（不写入任何数据）。"""
    require(request.auth, Right.SETTLEMENT_CALCULATE)
    first, _ = calculator.month_bounds(payload.period)
    policy = policies.policy_for_calculator(payload.policy, first)
    return calculator.calculate(
        payload.input, policy, payload.period, supplementary=policies.policy_for_calculator
    )
