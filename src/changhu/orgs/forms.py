"""Forms of the administration pages (系统管理)."""

from __future__ import annotations

from django import forms

from changhu.core import scope
from changhu.orgs import administration as admin
from changhu.orgs.models import CareKind, Consortium, OrgKind, OrgStatus, Region, RegionLevel
from changhu.orgs.selectors import districts_in_scope
from changhu.web.forms import StaffForm


def region_choices(user, *, with_streets: bool = False) -> list[tuple[str, str]]:
    """The city and district codes in the user's scope, as (code, name) choices."""
    s = scope.scope_of(user)
    cities = Region.objects.filter(level=RegionLevel.CITY, active=True)
    if not s.unrestricted:
        cities = cities.filter(code__in=[p.ljust(6, "0") for p in s.region_prefixes if len(p) <= 4])
    choices = [(r.code, r.name) for r in cities.order_by("code")]
    choices += [(r.code, f"　{r.name}") for r in districts_in_scope(user=user).order_by("code")]
    return choices


class UserCreateForm(StaffForm):
    username = forms.CharField(label="登录名", max_length=40, help_text="3至40位字母、数字或 _ . -")
    real_name = forms.CharField(label="姓名", max_length=40)
    organization = forms.TypedChoiceField(label="所属机构", coerce=int)
    role = forms.ChoiceField(label="角色", help_text="只能选择权限不超出您本人权限的角色")
    region_code = forms.ChoiceField(
        label="数据范围", required=False, help_text="不选则为所属机构的负责区域"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = admin.managed_organizations(fetched_by=user)
        self.fields["organization"].choices = [(o.pk, o.name) for o in orgs]
        self.fields["role"].choices = admin.grantable_roles(user)
        self.fields["region_code"].choices = [("", "随所属机构"), *region_choices(user)]

    def data_input(self) -> admin.UserInput:
        d = self.cleaned_data
        return admin.UserInput(
            username=d["username"],
            real_name=d["real_name"],
            organization_id=d["organization"],
            role=d["role"],
            region_code=d.get("region_code", ""),
        )


class UserEditForm(StaffForm):
    real_name = forms.CharField(label="姓名", max_length=40)
    role = forms.ChoiceField(label="角色", help_text="只能选择权限不超出您本人权限的角色")
    region_code = forms.ChoiceField(
        label="数据范围", required=False, help_text="不选则为所属机构的负责区域"
    )

    def __init__(self, *args, user, account, **kwargs):
        super().__init__(*args, **kwargs)
        roles = admin.grantable_roles(user)
        if account.role and account.role not in dict(roles):
            roles = [(account.role, account.get_role_display()), *roles]
        self.fields["role"].choices = roles
        self.fields["region_code"].choices = [("", "随所属机构"), *region_choices(user)]


class OrganizationForm(StaffForm):
    kind = forms.ChoiceField(label="机构类型", choices=OrgKind.choices)
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    care_kind = forms.ChoiceField(
        label="护理机构类别",
        choices=[("", "（非护理机构不填）"), *CareKind.choices],
        required=False,
    )
    region_code = forms.ChoiceField(label="所在地区")
    address = forms.CharField(label="地址", max_length=200, required=False)
    parent = forms.TypedChoiceField(label="上级机构", coerce=int, required=False, empty_value=None)
    coverage_codes = forms.MultipleChoiceField(
        label="负责区域",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="商保机构承办的区县；网点、评估机构、护理机构的服务范围。不选则按所在地区",
    )
    consortium = forms.TypedChoiceField(
        label="所属共保体", coerce=int, required=False, empty_value=None
    )
    consortium_lead = forms.BooleanField(label="共保体主承保", required=False)
    consortium_share = forms.DecimalField(
        label="共保份额（%）", required=False, min_value=0, max_value=100, decimal_places=2
    )
    status = forms.ChoiceField(label="状态", choices=OrgStatus.choices, initial=OrgStatus.ACTIVE)
    contact_name = forms.CharField(label="联系人", max_length=40, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)

    # form field -> OrganizationInput field
    INPUT_NAMES = {"parent": "parent_id", "consortium": "consortium_id"}

    def __init__(self, *args, user, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = region_choices(user)
        if organization is not None and organization.region.code not in dict(regions):
            regions = [(organization.region.code, organization.region.name), *regions]
        self.fields["region_code"].choices = regions
        self.fields["coverage_codes"].choices = [
            (r.code, r.name) for r in districts_in_scope(user=user).order_by("code")
        ]
        orgs = admin.managed_organizations(fetched_by=user)
        if organization is not None:
            orgs = orgs.exclude(pk=organization.pk)
        self.fields["parent"].choices = [("", "（无）"), *((o.pk, o.name) for o in orgs)]
        self.fields["consortium"].choices = [
            ("", "（无）"),
            *((c.pk, c.name) for c in Consortium.objects.order_by("name")),
        ]
        allowed = admin.editable_fields(user, organization)
        for name in list(self.fields):
            if self.INPUT_NAMES.get(name, name) not in allowed and name != "consortium_lead":
                del self.fields[name]
        if "consortium_id" not in allowed:
            self.fields.pop("consortium_lead", None)
            self.fields.pop("consortium_share", None)

    def data_input(self) -> admin.OrganizationInput:
        values = {}
        for name, value in self.cleaned_data.items():
            values[self.INPUT_NAMES.get(name, name)] = value
        return admin.OrganizationInput(**{k: v for k, v in values.items() if v is not None})


def organization_initial(org) -> dict:
    return {
        "kind": org.kind,
        "name": org.name,
        "short_name": org.short_name,
        "uscc": org.uscc,
        "care_kind": org.care_kind,
        "region_code": org.region.code,
        "address": org.address,
        "parent": org.parent_id,
        "coverage_codes": [r.code for r in org.coverage.all()],
        "consortium": org.consortium_id,
        "consortium_lead": org.consortium_lead,
        "consortium_share": org.consortium_share,
        "status": org.status,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
    }


class UserImportForm(StaffForm):
    file = forms.FileField(
        label="文件",
        help_text="Excel（.xlsx）或 CSV（UTF-8 / GB18030），不超过10MB、2,000行",
    )


class ImportCommitForm(StaffForm):
    from changhu.orgs.models import UserImportBatch as _Batch

    mode = forms.ChoiceField(label="导入方式", choices=_Batch.Mode.choices)
