"""Input and output schemas of the licenses endpoints (api/routers/licenses.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class LicenseTypeOut(Schema):
    code: str
    national_code: str
    name: str
    defining_department: str
    holder_kind: str
    issuing_level: str
    validity_years: int | None
    fields: list[dict[str, Any]]
    replaces_materials: list[str]


class LicenseOut(Schema):
    id: str = Field(description="公开标识（UUID）")
    identifier: str = Field(description="电子证照标识（GB/T 36904）")
    type_code: str
    type_name: str
    number: str
    issuer: str
    holder_name: str
    holder_key_masked: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    status: str
    status_label: str
    version: int


class LicenseDetailOut(LicenseOut):
    content: dict[str, str] = Field(description="证照字段（中文名称 → 值）")
    disclosable: dict[str, str] = Field(description="可选择出示的字段（key → 中文名称）")


class PresentationIn(Schema):
    mode: Literal["online", "offline"] = Field(
        "online", description="online：在线亮证码；offline：离线二维码"
    )
    fields: list[str] = Field(default_factory=list, max_length=50, description="出示的字段 key")
    minutes: int = Field(5, ge=1, le=30, description="在线亮证码有效分钟数")


class PresentationOut(Schema):
    mode: str
    qr_text: str
    expires_at: datetime
    qr_svg: str


class VerifyIn(Schema):
    code: str = Field(
        max_length=8000, description="二维码内容（TB1:/TBT:/HC1:）、核验链接或电子证照标识"
    )
    at: datetime | None = Field(None, description="按该时刻判断有效期（缺省为现在）")


class VerifyOut(Schema):
    valid: bool
    signature_valid: bool
    reason: str
    issuer: str
    claims: dict[str, Any]


class StaffIssueIn(Schema):
    type_code: str = Field(max_length=64, description="证照类型代码（CN-LIC-…）")
    issuer_id: str = Field(
        max_length=40, description="颁发机构公开标识（UUID，须在本人管理范围内）"
    )
    holder_key: str = Field(max_length=18, description="公民身份号码或统一社会信用代码")
    holder_name: str = Field(max_length=200)
    content: dict[str, str] = Field(default_factory=dict, description="证照字段（key → 值）")
    number: str = Field("", max_length=100, description="证照编号，留空自动编号")
    valid_until: date | None = Field(None, description="有效期截止，留空按证照类型规则")


class StaffRevokeIn(Schema):
    reason: str = Field(max_length=200, description="撤销原因（必填，200字以内）")


class StaffRenewIn(Schema):
    content: dict[str, str] | None = Field(None, description="新证内容，缺省沿用原证")
    valid_until: date | None = Field(None, description="新证有效期截止，留空按证照类型规则")
    reason: str = Field("", max_length=200, description="换证原因")


class StaffLicenseOut(LicenseOut):
    content: dict[str, str] = Field(description="证照字段（key → 值）")
    supersedes: str | None = Field(None, description="被本证替代的旧证标识（换证）")
    status_reason: str
