"""The orgs API's response schemas: regions, organizations and the audit trail."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(region) -> str | None:
        return region.parent.code if region.parent_id else None


class OrganizationOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    name: str
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    status: str
    care_kind: str
    parent_id: int | None


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor: str = Field(alias="actor_name")
    actor_username: str | None = Field(None, description="操作人登录名；系统操作为空")
    ip: str | None
    channel: str
    action: str
    action_label: str = Field(alias="get_action_display")
    object_type: str
    object_type_label: str
    object_id: str
    object_repr: str
    changes: dict = Field(description="变更内容（已脱敏）")
    note: str

    @staticmethod
    def resolve_actor_username(entry) -> str | None:
        return entry.actor.username if entry.actor_id else None

    @staticmethod
    def resolve_object_type_label(entry) -> str:
        from changhu.orgs.audit_trail import object_type_label

        return object_type_label(entry.object_type) or entry.object_type
