from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.sharing import services
from tongban.sharing.models import (
    CallResult,
    DataRecord,
    ExchangeLog,
    Grant,
    RequestStatus,
    ShareType,
)
from tongban.sharing.services import ExchangeRefused, FieldSpec

from .conftest import request_and_approve

pytestmark = pytest.mark.django_db


def test_records_are_encrypted_and_found_by_blind_index(world):
    raw = DataRecord.objects.filter(resource=world.population).values_list("payload", flat=True)
    assert len(raw) == 5
    assert all(p.startswith("sm4gcm:") for p in raw)
    assert not any(world.people[0]["name"] in p for p in raw)


def test_conditional_request_waits_for_the_provider(world):
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=world.population,
        consumer=world.consumer,
        system_name="救助系统",
        purpose="低保审核",
        legal_basis="社会救助暂行办法",
        fields=["name", "address", "ethnicity"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    assert req.status == RequestStatus.PENDING
    assert not Grant.objects.exists()
    # The provider grants fewer fields than asked for.
    services.request_decide(
        actor=world.provider_officer,
        request=req,
        decision="approve",
        fields=["name", "address"],
    )
    grant = Grant.objects.get()
    assert grant.fields == ["name", "address"]
    assert grant.app.department == world.consumer
    assert AuditEntry.objects.filter(action="sharing.request.approve").count() == 1


def test_provider_cannot_grant_more_than_requested(world):
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=world.population,
        consumer=world.consumer,
        system_name="救助系统",
        purpose="低保审核",
        legal_basis="社会救助暂行办法",
        fields=["name"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    with pytest.raises(ValidationFailed):
        services.request_decide(
            actor=world.provider_officer,
            request=req,
            decision="approve",
            fields=["name", "address"],
        )
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    assert not Grant.objects.exists()


def test_refusal_needs_a_reason_and_ask_then_supplement(world):
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=world.population,
        consumer=world.consumer,
        system_name="救助系统",
        purpose="低保审核",
        legal_basis="社会救助暂行办法",
        fields=["name"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    with pytest.raises(ValidationFailed):
        services.request_decide(actor=world.provider_officer, request=req, decision="refuse")
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    services.request_decide(
        actor=world.provider_officer, request=req, decision="ask", reply="请提供低保审核的文件依据"
    )
    assert req.status == RequestStatus.NEEDS_INFO
    services.request_supplement(
        actor=world.consumer_officer, request=req, supplement="见《四川省最低生活保障办法》"
    )
    assert req.status == RequestStatus.PENDING
    services.request_decide(
        actor=world.provider_officer, request=req, decision="refuse", reply="超出职责范围"
    )
    assert req.status == RequestStatus.REFUSED
    with pytest.raises(Conflict):
        services.request_decide(actor=world.provider_officer, request=req, decision="approve")
    assert not Grant.objects.exists()


def test_unconditional_resource_is_granted_at_once(world):
    resource = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0009",
        name="派出所名录",
        legal_basis="政务公开",
        fields=[FieldSpec("name", "名称", sensitivity="public")],
        share_type=ShareType.UNCONDITIONAL,
    )
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=resource,
        consumer=world.consumer,
        system_name="便民地图",
        purpose="展示派出所",
        legal_basis="政务公开",
        fields=["name"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    assert req.status == RequestStatus.APPROVED
    assert Grant.objects.get(request=req).fields == ["name"]


def test_not_shared_resource_cannot_be_requested(world):
    services.resource_update(
        actor=world.provider_officer, resource=world.population, share_type=ShareType.NONE
    )
    today = timezone.localdate()
    with pytest.raises(ValidationFailed):
        services.request_submit(
            actor=world.consumer_officer,
            resource=world.population,
            consumer=world.consumer,
            system_name="x",
            purpose="x",
            legal_basis="x",
            fields=["name"],
            valid_from=today,
            valid_until=today,
        )


def test_only_the_providers_officer_decides(world):
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=world.population,
        consumer=world.consumer,
        system_name="救助系统",
        purpose="低保审核",
        legal_basis="社会救助暂行办法",
        fields=["name"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    for actor in (world.consumer_officer, world.outsider):
        with pytest.raises(PermissionDenied):
            services.request_decide(actor=actor, request=req, decision="approve")
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING


def test_lookup_returns_only_granted_fields_and_logs(world, granted):
    app, _raw = granted
    person = world.people[1]
    before = AuditEntry.objects.count()
    answer = services.exchange_lookup(
        app=app, resource_code=world.population.code, key=person["id_number"], reason="MZ-2026-0001"
    )
    assert answer["found"] is True
    assert answer["fields"] == {"name": person["name"], "address": person["address"]}
    log = ExchangeLog.objects.get()
    assert log.result == CallResult.OK
    assert log.fields == ["name", "address"]
    assert log.purpose.startswith("最低生活保障")
    assert log.reason == "MZ-2026-0001"
    assert log.subject_index == services.subject_index("id_number", person["id_number"])
    assert person["id_number"] not in log.subject_masked
    entry = AuditEntry.objects.get(action="sharing.exchange.lookup")
    assert entry.object_id == str(log.pk)
    assert entry.object_type == "sharing.ExchangeLog"
    assert AuditEntry.objects.count() == before + 1
    assert person["id_number"] not in str(entry.summary)


def test_lookup_without_grant_is_refused_and_logged(world, granted):
    app, _raw = granted
    Grant.objects.update(revoked_at=timezone.now())
    with pytest.raises(ExchangeRefused) as exc:
        services.exchange_lookup(
            app=app,
            resource_code=world.population.code,
            key=world.people[0]["id_number"],
            reason="x",
        )
    assert exc.value.code == "no_grant"
    log = ExchangeLog.objects.get()
    assert log.result == CallResult.REFUSED
    assert log.fields == []


def test_access_ends_with_the_period(world, granted):
    app, _raw = granted
    grant = Grant.objects.get()
    with (
        time_machine.travel(grant.valid_until + timedelta(days=1)),
        pytest.raises(ExchangeRefused) as exc,
    ):
        services.exchange_lookup(
            app=app,
            resource_code=world.population.code,
            key=world.people[0]["id_number"],
            reason="x",
        )
    assert exc.value.code == "no_grant"


def test_rate_limit_per_app(world, granted):
    app, _raw = granted
    app.rate_per_minute = 2
    app.save()
    key = world.people[0]["id_number"]
    for _ in range(2):
        services.exchange_lookup(app=app, resource_code=world.population.code, key=key, reason="r")
    with pytest.raises(ExchangeRefused) as exc:
        services.exchange_lookup(app=app, resource_code=world.population.code, key=key, reason="r")
    assert exc.value.code == "rate_limited"
    assert exc.value.status == 429


def test_daily_quota_per_app(world, granted):
    app, _raw = granted
    app.daily_quota = 1
    app.save()
    key = world.people[0]["id_number"]
    services.exchange_lookup(app=app, resource_code=world.population.code, key=key, reason="r")
    with pytest.raises(ExchangeRefused) as exc:
        services.exchange_lookup(app=app, resource_code=world.population.code, key=key, reason="r")
    assert exc.value.code == "quota_exceeded"


def test_secret_rotation_keeps_old_secret_for_the_grace_period(world, granted):
    app, old_raw = granted
    services.token_issue(client_id=app.client_id, client_secret=old_raw)
    _new, new_raw = services.app_secret_issue(actor=world.consumer_officer, app=app)
    assert services.token_issue(client_id=app.client_id, client_secret=new_raw)
    assert services.token_issue(client_id=app.client_id, client_secret=old_raw)
    with time_machine.travel(timezone.now() + services.SECRET_GRACE + timedelta(minutes=1)):
        with pytest.raises(services.InvalidClient):
            services.token_issue(client_id=app.client_id, client_secret=old_raw)
        assert services.token_issue(client_id=app.client_id, client_secret=new_raw)
    stored = list(app.secrets.values_list("secret_hash", flat=True))
    assert old_raw not in "".join(stored)
    assert new_raw not in "".join(stored)


def test_token_expires(world, granted):
    app, raw = granted
    token, seconds = services.token_issue(client_id=app.client_id, client_secret=raw)
    assert services.app_for_token(token) == app
    with time_machine.travel(timezone.now() + timedelta(seconds=seconds + 120)):
        from django.core.cache import cache

        cache.clear()
        assert services.app_for_token(token) is None


def test_request_validates_period_and_fields(world):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        services.request_submit(
            actor=world.consumer_officer,
            resource=world.population,
            consumer=world.consumer,
            system_name="",
            purpose="",
            legal_basis="",
            fields=["name"],
            valid_from=today,
            valid_until=today - timedelta(days=1),
        )
    names = {f.field for f in exc.value.fields}
    assert {"system_name", "purpose", "legal_basis", "valid_until"} <= names
    with pytest.raises(ValidationFailed):
        request_and_approve(world, fields=["salary"])
