"""The licence-backed verification services (营业执照有效性核验, 婚姻登记核验) against the real
licenses app: licences are issued, revoked and left to expire through the licenses services, and
the exchange API is called end to end. The answer is yes or no; nothing about the licence leaves."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tongban.core.identifiers import citizen_id_with_check, credit_code_build
from tongban.licenses import services as license_services
from tongban.licenses.models import License
from tongban.sharing import services
from tongban.sharing.models import ExchangeLog, Verifier
from tongban.sharing.services import BUSINESS_LICENCE_TYPE, MARRIAGE_TYPE, FieldSpec
from tongban.testing.factories import DepartmentFactory, ImplementingBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

MINISTRY_CODE = credit_code_build(
    department="1", category="1", region_code="100000", org_body8="00001331"
)
COMPANY = credit_code_build(
    department="9", category="1", region_code="510104", org_body8="MA6CJ8K2"
)
OTHER_COMPANY = credit_code_build(
    department="9", category="1", region_code="510104", org_body8="MA6CJ9L3"
)
SPOUSE = citizen_id_with_check("51010419900307002")
SINGLE = citizen_id_with_check("51010519920815003")


def _body(region, name: str, seq: int):
    code = credit_code_build(
        department="1", category="1", region_code=region.code, org_body8=f"MB{seq:06d}"
    )
    department = DepartmentFactory(region=region, name=name, credit_code=code)
    body = ImplementingBodyFactory(department=department, name=name, credit_code=code)
    license_services.issuer_key_generate(actor=None, body=body, algorithm="Ed25519")
    return body


@pytest.fixture
def licences(regions):
    """The two licence types the verifiers read, an issuing body for each, an issuing admin."""
    admin = UserFactory(username="lic_admin", kind="staff", is_superuser=True, is_staff=True)
    business = license_services.license_type_save(
        actor=None,
        code=BUSINESS_LICENCE_TYPE,
        national_code=MINISTRY_CODE + "101",
        name="营业执照",
        defining_department="国家市场监督管理总局",
        defining_department_code=MINISTRY_CODE,
        holder_kind="organisation",
        fields=[{"key": "legal_rep", "label": "法定代表人", "required": True}],
    )
    marriage = license_services.license_type_save(
        actor=None,
        code=MARRIAGE_TYPE,
        national_code=MINISTRY_CODE + "102",
        name="结婚证",
        defining_department="民政部",
        defining_department_code=MINISTRY_CODE,
        holder_kind="person",
        fields=[{"key": "spouse_name", "label": "配偶姓名", "required": True}],
    )
    return {
        "admin": admin,
        "business": business,
        "marriage": marriage,
        "market": _body(regions["jinjiang"], "成都市锦江区市场监督管理局", 11),
        "civil": _body(regions["jinjiang"], "成都市锦江区民政局婚姻登记处", 12),
    }


def _issue_business(licences, key: str = COMPANY, **extra):
    return license_services.license_issue(
        actor=licences["admin"],
        license_type=licences["business"],
        issuer=licences["market"],
        holder_key=key,
        holder_name="成都蓉锦餐饮管理有限公司",
        content={"legal_rep": "刘建国"},
        **extra,
    )


def _issue_marriage(licences, key: str = SPOUSE, **extra):
    return license_services.license_issue(
        actor=licences["admin"],
        license_type=licences["marriage"],
        issuer=licences["civil"],
        holder_key=key,
        holder_name="张晓燕",
        content={"spouse_name": "王强"},
        **extra,
    )


def _verifier(world, code: str, verifier: str, key_kind: str):
    resource = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code=code,
        name=f"核验服务 {verifier}",
        legal_basis="政务数据共享条例",
        fields=[FieldSpec("result", "核验结果", sensitivity="internal")],
        verifier=verifier,
        key_kind=key_kind,
        share_type="unconditional",
    )
    today = timezone.localdate()
    services.request_submit(
        actor=world.consumer_officer,
        resource=resource,
        consumer=world.consumer,
        system_name="锦江区社会救助系统",
        purpose="最低生活保障审核",
        legal_basis="社会救助暂行办法",
        fields=["result"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    return resource


@pytest.fixture
def caller(world, granted):
    app, raw = granted
    client = Client()
    basic = base64.b64encode(f"{app.client_id}:{raw}".encode()).decode()
    response = client.post(
        "/exchange/v1/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    token = response.json()["access_token"]

    def call(resource, payload: dict) -> dict:
        response = client.post(
            f"/exchange/v1/verify/{resource.code}",
            json.dumps({"reason": "MZ-2026-0001", **payload}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        return response.json()

    return call


def _leaks(answer: dict, licence: License) -> bool:
    text = json.dumps(answer, ensure_ascii=False)
    return any(
        value and str(value) in text
        for value in (
            licence.identifier,
            licence.number,
            licence.holder_name,
            licence.holder_key,
            licence.valid_until,
            *licence.content.values(),
        )
    )


@pytest.fixture
def business_verifier(world):
    return _verifier(world, "DR-510100-0102", Verifier.BUSINESS_LICENCE, "credit_code")


@pytest.fixture
def marriage_verifier(world):
    return _verifier(world, "DR-510100-0103", Verifier.MARRIAGE, "id_number")


def test_valid_business_licence_is_consistent_and_nothing_leaks(
    licences, business_verifier, caller
):
    licence = _issue_business(licences)
    answer = caller(business_verifier, {"credit_code": COMPANY.lower()})
    assert answer == {"resource": business_verifier.code, "result": "consistent"}
    assert not _leaks(answer, licence)
    log = ExchangeLog.objects.get()
    assert (log.operation, log.result, log.fields) == ("verify", "match", ["credit_code"])
    assert COMPANY not in log.subject_masked
    assert log.subject_index == services.subject_index("credit_code", COMPANY)


def test_revoked_business_licence_is_inconsistent(licences, business_verifier, caller):
    licence = _issue_business(licences)
    license_services.license_revoke(actor=licences["admin"], license=licence, reason="吊销营业执照")
    answer = caller(business_verifier, {"credit_code": COMPANY})
    assert answer == {"resource": business_verifier.code, "result": "inconsistent"}
    assert not _leaks(answer, licence)
    assert ExchangeLog.objects.get().result == "mismatch"


def test_expired_business_licence_is_inconsistent_before_and_after_the_sweep(
    licences, business_verifier, caller
):
    today = timezone.localdate()
    licence = _issue_business(
        licences,
        issued_on=date(today.year - 6, 1, 5),
        valid_until=today - timedelta(days=1),
    )
    first = caller(business_verifier, {"credit_code": COMPANY})
    license_services.licenses_expire(today=today)
    licence.refresh_from_db()
    assert licence.status == "expired"
    second = caller(business_verifier, {"credit_code": COMPANY})
    assert first == second == {"resource": business_verifier.code, "result": "inconsistent"}
    assert not _leaks(first, licence)


def test_unknown_or_other_holder_is_inconsistent(licences, business_verifier, caller):
    licence = _issue_business(licences)
    answers = [
        caller(business_verifier, {"credit_code": OTHER_COMPANY}),
        caller(business_verifier, {"credit_code": "NOT-A-CODE"}),
    ]
    assert all(a == {"resource": business_verifier.code, "result": "inconsistent"} for a in answers)
    assert not any(_leaks(a, licence) for a in answers)


def test_a_marriage_certificate_is_not_a_business_licence(licences, business_verifier, caller):
    # Same holder key space must not cross licence types.
    _issue_marriage(licences)
    answer = caller(business_verifier, {"credit_code": SPOUSE})
    assert answer["result"] == "inconsistent"


def test_marriage_registration_valid_revoked_and_unknown(licences, marriage_verifier, caller):
    licence = _issue_marriage(licences)
    yes = caller(marriage_verifier, {"id_number": SPOUSE})
    unknown = caller(marriage_verifier, {"id_number": SINGLE})
    license_services.license_revoke(actor=licences["admin"], license=licence, reason="登记错误")
    revoked = caller(marriage_verifier, {"id_number": SPOUSE})
    assert yes == {"resource": marriage_verifier.code, "result": "consistent"}
    assert unknown["result"] == revoked["result"] == "inconsistent"
    assert not any(_leaks(a, licence) for a in (yes, unknown, revoked))
    results = list(ExchangeLog.objects.order_by("id").values_list("result", flat=True))
    assert results == ["match", "mismatch", "mismatch"]


def test_marriage_verifier_ignores_fields_it_does_not_read(licences, marriage_verifier, caller):
    _issue_marriage(licences)
    answer = caller(marriage_verifier, {"id_number": SPOUSE, "name": "不相干的人"})
    assert answer["result"] == "consistent"
    # The log records only the key the verifier read, not the extra field sent with it.
    assert ExchangeLog.objects.get().fields == ["id_number"]
