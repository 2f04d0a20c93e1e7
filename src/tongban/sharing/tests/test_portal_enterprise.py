"""Portal: an enterprise's legal representative sees who looked up the enterprise's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tongban.core.identifiers import credit_code_build
from tongban.identity.models import AccountKind, AgentScope, LegalPerson, User
from tongban.sharing import selectors, services
from tongban.sharing.models import BaseRegistry, ExchangeLog, KeyKind, Sensitivity
from tongban.sharing.services import FieldSpec

pytestmark = pytest.mark.django_db

URL = "/my/enterprises/data-access/"
COMPANY = credit_code_build(
    department="9", category="1", region_code="510104", org_body8="MA6CJ8K2"
)
OTHER = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ9L3")


def _user(username: str) -> User:
    return User.objects.create_user(
        username=username, password=None, kind=AccountKind.CITIZEN, real_name="刘建国"
    )


def _legal_person(code: str, name: str, representative: User | None) -> LegalPerson:
    return LegalPerson.objects.create(
        name=name,
        credit_code=code,
        legal_representative="刘建国",
        representative=representative,
        verified_at=timezone.now() if representative else None,
    )


@pytest.fixture
def enterprise_reads(world):
    """A 法人库 resource keyed by credit code, granted to the consumer, and two look-ups."""
    registry = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0009",
        name="法人单位基本信息",
        legal_basis="《企业信息公示暂行条例》",
        fields=[
            FieldSpec("credit_code", "统一社会信用代码", sensitivity=Sensitivity.PUBLIC),
            FieldSpec("name", "名称", sensitivity=Sensitivity.PUBLIC),
            FieldSpec("capital", "注册资本", "number", Sensitivity.INTERNAL),
        ],
        category="base",
        base_registry=BaseRegistry.LEGAL_PERSON,
        key_kind=KeyKind.CREDIT_CODE,
        key_field="credit_code",
        share_type="unconditional",
    )
    services.records_load(
        actor=world.provider_officer,
        resource=registry,
        rows=[
            {"credit_code": COMPANY, "name": "成都蓉锦餐饮管理有限公司", "capital": 500},
            {"credit_code": OTHER, "name": "成都天府软件有限公司", "capital": 100},
        ],
    )
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=registry,
        consumer=world.consumer,
        system_name="锦江区社会组织管理系统",
        purpose="慈善组织认定：核对发起单位",
        legal_basis="《慈善组织认定办法》",
        fields=["name", "capital"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    req.refresh_from_db()
    app = req.app
    services.exchange_lookup(
        app=app, resource_code=registry.code, key=COMPANY.lower(), reason="MZ-2026-88"
    )
    services.exchange_lookup(app=app, resource_code=registry.code, key=OTHER, reason="OTHER-9")
    return registry


def test_representative_sees_reads_of_their_enterprise_only(world, enterprise_reads):
    boss = _user("boss")
    _legal_person(COMPANY, "成都蓉锦餐饮管理有限公司", boss)
    _legal_person(OTHER, "成都天府软件有限公司", None)
    client = Client()
    client.force_login(boss)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    text = response.content.decode()
    assert "成都蓉锦餐饮管理有限公司" in text
    assert "成都市锦江区民政局·锦江区社会组织管理系统" in text
    assert "慈善组织认定：核对发起单位" in text
    assert "MZ-2026-88" in text
    assert "名称、注册资本" in text
    assert "法人单位基本信息" in text
    assert "成都市公安局" in text
    assert "OTHER-9" not in text
    assert "成都天府软件有限公司" not in text


def test_agent_and_unverified_representative_see_nothing(world, enterprise_reads):
    from tongban.identity.models import AgentGrant

    boss = _user("boss")
    company = _legal_person(COMPANY, "成都蓉锦餐饮管理有限公司", boss)
    agent = _user("agent")
    AgentGrant.objects.create(
        legal_person=company,
        agent=agent,
        scopes=list(AgentScope.values),
        valid_until=timezone.now() + timedelta(days=30),
        granted_by=boss,
    )
    pending = _user("pending")
    # Named as representative, but never verified against the 法人库.
    LegalPerson.objects.create(
        name="成都天府软件有限公司", credit_code=OTHER, representative=pending
    )
    count = ExchangeLog.objects.count()
    for user in (agent, pending):
        client = Client()
        client.force_login(user)
        text = client.get(URL).content.decode()
        assert "MZ-2026-88" not in text
        assert "OTHER-9" not in text
        assert "您还不是已认证的企业法定代表人" in text
        assert selectors.logs_about_enterprise(user, company) == []
    assert ExchangeLog.objects.count() == count  # reading the page reads no data


def test_anonymous_is_sent_to_log_in(world):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_verification_by_credit_code_appears_without_fields(world, enterprise_reads):
    boss = _user("boss")
    company = _legal_person(COMPANY, "成都蓉锦餐饮管理有限公司", boss)
    services.log_system_read(
        actor=None,
        consumer=world.consumer,
        consumer_label="成都市锦江区民政局·锦江区社会救助系统",
        resource=enterprise_reads,
        operation="verify",
        purpose="营业执照有效性核验",
        reason="V-1",
        key=COMPANY,
        fields=[],
        result="match",
    )
    logs = selectors.logs_about_enterprise(boss, company)
    assert [log.reason for log in logs] == ["V-1", "MZ-2026-88"]
    client = Client()
    client.force_login(boss)
    text = client.get(URL).content.decode()
    assert "未返回信息（核验或无记录）" in text
    assert "数据核验：一致" in text
