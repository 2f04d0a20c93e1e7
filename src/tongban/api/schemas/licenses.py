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
