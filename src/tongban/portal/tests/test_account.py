"""The user centre (/my/): profile and assurance level, real-name verification, second factor,
enterprises and agent grants, sessions and login history, password change, connected platforms.
Every page shows the signed-in person's own data only, masked."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.identifiers import (
    credit_code_build,
    mask_citizen_id,
    mask_name,
    mask_phone,
)
from tongban.identity import sms
from tongban.identity.models import AgentGrant, AssuranceLevel, User, UserSession
from tongban.identity.oidc import services as oidc_services
from tongban.identity.oidc.selectors import consents_for
from tongban.identity.services import (
    agent_grant_create,
    legal_person_verify,
    registry_legal_persons_import,
    registry_persons_import,
    sign_in_complete,
)
from tongban.portal.views.account import device_summary, mask_ip
from tongban.testing.identity import PASSWORD, bind_totp, id_number, make_person, phone

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MY = "/my/"
ENTERPRISES = "/my/enterprises/"
SECURITY = "/my/security/"
PLATFORMS = "/my/platforms/"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CODE = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ8K2")
ENTERPRISE = "成都蜀味餐饮管理有限公司"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def citizen(db):
    return make_person(1, name="张晓燕", username="zhangxy")


@pytest.fixture
def stranger(db):
    return make_person(2, name="王晓红", username="wangxh")


def sign_in(user, *, user_agent=CHROME_WINDOWS, ip="203.0.113.7") -> Client:
    """A browser signed in through the real sign-in page (so it has a UserSession row)."""
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


def signed_in_user(browser: Client):
    return browser.get(reverse("portal:home")).wsgi_request.user


def text_of(response) -> str:
    return response.content.decode()


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [MY, ENTERPRISES, SECURITY, PLATFORMS, "/my/mfa/disable/"])
def test_every_page_needs_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={path}"


def test_nav_link_my_points_at_the_user_centre(client, citizen):
    browser = sign_in(citizen)

    page = text_of(browser.get(MY))

    assert f'<a href="{MY}" aria-current="page">我的</a>' in page
    assert 'aria-current="page">账号与认证</a>' in page


# --- /my/ : profile and levels --------------------------------------------------------------------


def test_overview_shows_masked_personal_data_only(citizen):
    browser = sign_in(citizen)

    page = text_of(browser.get(MY))

    assert mask_name("张晓燕") in page
    assert mask_citizen_id(id_number(1)) in page
    assert mask_phone(phone(1)) in page
    assert "张晓燕" not in page
    assert id_number(1) not in page
    assert phone(1) not in page
    assert "L2 实名认证" in page
    # L2 → L3 is explained: in person, at the window of a 政务服务中心.
    assert "政务服务中心" in page
    assert "窗口" in page
    assert 'name="id_number"' not in page  # no real-name form once verified


def test_a_username_that_is_a_phone_number_is_masked_too(db):
    user = make_person(5, username=phone(5))
    browser = sign_in(user)

    page = text_of(browser.get(MY))

    assert phone(5) not in page
    assert mask_phone(phone(5)) in page


@pytest.fixture
def l1_person(db):
    registry_persons_import(
        actor=None,
        rows=[{"name": "李春燕", "id_number": id_number(7, female=True), "status": "normal"}],
    )
    return make_person(7, name="李春燕", username="lichy", level=1)


def test_real_name_verification_raises_the_level_to_l2(l1_person):
    browser = sign_in(l1_person)
    page = text_of(browser.get(MY))
    assert "L1 已注册" in page
    assert 'name="id_number"' in page

    response = browser.post(
        MY, {"real_name": "李春燕", "id_number": id_number(7, female=True).lower()}
    )

    assert response.status_code == 302
    l1_person.refresh_from_db()
    assert l1_person.assurance_level == AssuranceLevel.L2
    assert l1_person.real_name_verified_at is not None
    page = text_of(browser.get(MY))
    assert "实名认证成功" in page
    assert "L2 实名认证" in page
    assert AuditEntry.objects.filter(action="identity.real_name.verify").count() == 1


def test_real_name_mismatch_gives_the_generic_message_and_changes_nothing(l1_person):
    browser = sign_in(l1_person)

    response = browser.post(MY, {"real_name": "李春花", "id_number": id_number(7, female=True)})

    assert response.status_code == 200
    page = text_of(response)
    assert "实名核验未通过" in page
    assert "人口库中" not in page  # never what the registry said
    l1_person.refresh_from_db()
    assert l1_person.assurance_level == AssuranceLevel.L1
    assert l1_person.real_name_verified_at is None


def test_a_malformed_id_number_is_reported_next_to_its_field(l1_person):
    browser = sign_in(l1_person)

    response = browser.post(MY, {"real_name": "李春燕", "id_number": "11010519900101001"})

    page = text_of(response)
    assert 'id="id_id_number_errors"' in page
    assert 'aria-invalid="true"' in page
    assert not AuditEntry.objects.filter(action__startswith="identity.real_name").exists()


def test_second_factor_status_and_recovery_codes(citizen):
    browser = sign_in(citizen)
    assert "绑定动态口令" in text_of(browser.get(MY))
    assert "/accounts/mfa/setup/?next=/my/" in text_of(browser.get(MY))

    bind_totp(citizen)
    page = text_of(browser.get(MY))
    assert "剩余可用恢复码：10 个" in page

    response = browser.post(reverse("portal:account-recovery-codes"))
    assert response.status_code == 200
    assert text_of(response).count("<code>") == 10
    assert response["Cache-Control"].startswith("max-age=0")


def test_unbinding_the_authenticator_needs_the_password(citizen):
    bind_totp(citizen)
    browser = sign_in_with_totp(citizen)
    url = reverse("portal:account-mfa-disable")

    response = browser.post(url, {"password": "not-the-password"})
    assert response.status_code == 200
    assert "密码不正确" in text_of(response)
    assert citizen.totp_devices.exists()

    response = browser.post(url, {"password": PASSWORD})
    assert response.status_code == 302
    assert not citizen.totp_devices.exists()


def sign_in_with_totp(user) -> Client:
    from tongban.testing.identity import totp_code

    browser = sign_in(user)
    device = user.totp_devices.get()
    response = browser.post(
        reverse("portal:login-verify"), {"code": totp_code(device.secret, offset_steps=1)}
    )
    assert response.status_code == 302
    return browser


# --- /my/security/ : sessions, history, password ------------------------------------------------


def test_sessions_list_marks_this_device_and_revoking_another_signs_it_out(citizen, monkeypatch):
    calls = []
    monkeypatch.setattr(
        oidc_services,
        "on_user_logout",
        lambda *, user, session_key, session_digest=None: calls.append(
            (user, session_key, session_digest)
        ),
    )
    here = sign_in(citizen)
    phone_browser = sign_in(citizen, user_agent=SAFARI_IPHONE, ip="198.51.100.23")
    other = UserSession.objects.get(user=citizen, user_agent=SAFARI_IPHONE)

    page = text_of(here.get(SECURITY))
    assert page.count(">本设备</span>") == 1
    assert "Chrome · Windows" in page
    assert "Safari · iOS" in page
    assert "198.51.100.*" in page
    assert "198.51.100.23" not in page

    response = here.post(reverse("portal:account-session-revoke", args=[other.public_id]))

    assert response.status_code == 302
    other.refresh_from_db()
    assert other.ended_at is not None
    assert other.end_reason == "revoked"
    assert calls == [(citizen, None, other.key_digest)]
    assert "已退出 Safari · iOS 上的登录" in text_of(here.get(response.url))
    # The phone is signed out on its next request; this browser is not.
    assert not signed_in_user(phone_browser).is_authenticated
    assert signed_in_user(here) == citizen


def test_another_persons_session_id_is_not_found(citizen, stranger):
    here = sign_in(citizen)
    theirs = sign_in(stranger)
    session = UserSession.objects.get(user=stranger)
    before = audit_count()

    response = here.post(reverse("portal:account-session-revoke", args=[session.public_id]))

    assert response.status_code == 404
    session.refresh_from_db()
    assert session.ended_at is None
    assert audit_count() == before
    assert signed_in_user(theirs) == stranger
    assert str(session.public_id) not in text_of(here.get(SECURITY))


def test_this_session_is_not_revoked_from_the_list(citizen):
    here = sign_in(citizen)
    session = UserSession.objects.get(user=citizen)

    response = here.post(reverse("portal:account-session-revoke", args=[session.public_id]))

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.ended_at is None
    assert "退出登录" in text_of(here.get(SECURITY))


def test_revoke_every_other_session(citizen):
    here = sign_in(citizen)
    others = [sign_in(citizen, ip=f"198.51.100.{n}") for n in range(3)]

    response = here.post(reverse("portal:account-sessions-revoke-others"))

    assert response.status_code == 302
    assert UserSession.objects.filter(user=citizen, ended_at__isnull=True).count() == 1
    assert all(not signed_in_user(b).is_authenticated for b in others)
    assert signed_in_user(here) == citizen


def test_revoking_needs_the_csrf_token(citizen):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    sign_in(citizen)
    session = UserSession.objects.get(user=citizen)

    response = strict.post(reverse("portal:account-session-revoke", args=[session.public_id]))

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.ended_at is None


def test_revoking_needs_post(citizen):
    here = sign_in(citizen)
    session = UserSession.objects.get(user=citizen)

    assert (
        here.get(reverse("portal:account-session-revoke", args=[session.public_id])).status_code
        == 405
    )


def test_login_history_is_the_persons_own_masked_and_paged(citizen, stranger):
    later = timezone.now() + timedelta(hours=1)
    for n in range(25):
        sign_in_complete(
            user=citizen,
            session_key=f"history-{n}",
            method="sms",
            expires_at=later,
            ip="192.0.2.55",
            user_agent=SAFARI_IPHONE,
        )
    sign_in_complete(
        user=stranger, session_key="theirs", method="password", expires_at=later, ip="192.0.2.99"
    )
    Client().post(LOGIN, {"username": "zhangxy", "password": "wrong-password"})
    here = sign_in(citizen)

    first = text_of(here.get(SECURITY))
    assert first.count("<tr>") == 1 + 20
    assert "192.0.2.*" in first
    assert "192.0.2.55" not in first
    assert "密码错误" in first  # the failed attempt is shown to the account holder
    assert "?page=2" in first
    second = text_of(here.get(SECURITY + "?page=2"))
    assert second.count("<tr>") == 1 + 7  # 25 + the failure + this sign-in = 27
    assert "?page=3" not in second
    assert "192.0.2.99" not in first + second
    assert text_of(here.get(SECURITY + "?page=x")).count("<tr>") == 21


def test_password_change_keeps_this_browser_and_signs_out_the_others(citizen, monkeypatch):
    calls = []
    monkeypatch.setattr(
        oidc_services,
        "on_user_logout",
        lambda *, user, session_key, session_digest=None: calls.append(session_digest),
    )
    here = sign_in(citizen)
    elsewhere = sign_in(citizen, ip="198.51.100.8")
    elsewhere_row = UserSession.objects.get(user=citizen, ip_address="198.51.100.8")
    form = {
        "old_password": PASSWORD,
        "new_password1": "Brand-New-Pass-2026",
        "new_password2": "Brand-New-Pass-2026",
    }

    wrong = here.post(SECURITY, {**form, "old_password": "not-it"})
    assert wrong.status_code == 200
    assert 'id="id_old_password_errors"' in text_of(wrong)
    mismatch = here.post(SECURITY, {**form, "new_password2": "Something-Else-2026"})
    assert 'id="id_new_password2_errors"' in text_of(mismatch)
    weak = here.post(SECURITY, {**form, "new_password1": "12345", "new_password2": "12345"})
    assert 'id="id_new_password1_errors"' in text_of(weak)
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)

    response = here.post(SECURITY, form)

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("Brand-New-Pass-2026")
    assert signed_in_user(here) == citizen
    assert not signed_in_user(elsewhere).is_authenticated
    assert calls == [elsewhere_row.key_digest]
    # This browser is still listed, as this device, and can still be revoked elsewhere.
    assert ">本设备</span>" in text_of(here.get(SECURITY))


# --- /my/enterprises/ : enterprises and agent grants ----------------------------------------------


@pytest.fixture
def representative(db):
    return make_person(11, name="李建国", username="lijg")


@pytest.fixture
def registry_enterprise(representative):
    registry_legal_persons_import(
        actor=None,
        rows=[
            {
                "credit_code": CODE,
                "name": ENTERPRISE,
                "representative_name": "李建国",
                "representative_id_number": representative.id_number,
                "status": "active",
            }
        ],
    )


@pytest.fixture
def enterprise(representative, registry_enterprise):
    return legal_person_verify(user=representative, credit_code=CODE, name=ENTERPRISE)


@pytest.fixture
def agent(db):
    return make_person(12, name="王晓红", username="wangxh2")


def grant_form(legal_person, *, agent_phone, agent_name, scopes=("apply", "cases"), days=90):
    prefix = f"grant-{legal_person.public_id.hex}"
    return {
        "action": "grant",
        "enterprise": str(legal_person.public_id),
        f"{prefix}-agent_phone": agent_phone,
        f"{prefix}-agent_name": agent_name,
        f"{prefix}-scopes": list(scopes),
        f"{prefix}-valid_until": (timezone.localdate() + timedelta(days=days)).isoformat(),
    }


def test_legal_representative_verifies_the_enterprise_from_the_page(
    representative, registry_enterprise
):
    browser = sign_in(representative)
    assert "法人认证" in text_of(browser.get(ENTERPRISES))

    wrong = browser.post(
        ENTERPRISES, {"action": "verify", "lp-credit_code": CODE, "lp-name": "另一家公司"}
    )
    assert wrong.status_code == 200
    assert "核验未通过" in text_of(wrong)
    assert not representative.represented_legal_persons.exists()

    response = browser.post(
        ENTERPRISES, {"action": "verify", "lp-credit_code": CODE, "lp-name": ENTERPRISE}
    )

    assert response.status_code == 302
    page = text_of(browser.get(ENTERPRISES))
    assert "法人认证成功" in page
    assert f"{ENTERPRISE}的经办人" in page
    assert "法定代表人" in page


def test_a_bad_credit_code_is_reported_next_to_its_field(representative):
    browser = sign_in(representative)

    response = browser.post(
        ENTERPRISES, {"action": "verify", "lp-credit_code": "91510104MA6CJ8K2X0", "lp-name": "X"}
    )

    assert 'id="id_lp-credit_code_errors"' in text_of(response)


def test_legal_person_verification_needs_real_name_first(db):
    person = make_person(13, level=1, username="l1only")
    browser = sign_in(person)

    assert 'name="lp-credit_code"' not in text_of(browser.get(ENTERPRISES))
    response = browser.post(
        ENTERPRISES, {"action": "verify", "lp-credit_code": CODE, "lp-name": ENTERPRISE}
    )
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="identity.legal_person").exists()


def test_representative_grants_an_agent_who_then_sees_the_enterprise(
    representative, enterprise, agent
):
    browser = sign_in(representative)

    response = browser.post(
        ENTERPRISES, grant_form(enterprise, agent_phone=phone(12), agent_name="王晓红")
    )

    assert response.status_code == 302
    grant = AgentGrant.objects.get()
    assert (grant.agent, grant.legal_person, grant.scopes) == (
        agent,
        enterprise,
        ["apply", "cases"],
    )
    assert timezone.localtime(grant.valid_until).date() == timezone.localdate() + timedelta(days=90)
    page = text_of(browser.get(ENTERPRISES))
    assert "已授权 王**" in page
    assert mask_phone(phone(12)) in page
    assert phone(12) not in page
    assert "王晓红" not in page

    agent_page = text_of(sign_in(agent).get(ENTERPRISES))
    assert ENTERPRISE in agent_page
    assert "经办人" in agent_page
    assert "在线申办事项、查询办件进度" in agent_page
    assert f"{ENTERPRISE}的经办人" not in agent_page  # agents do not manage grants


@pytest.mark.parametrize(
    ("agent_phone", "agent_name"),
    [
        (phone(12), "王晓蓝"),  # right phone, another name
        (phone(99), "王晓红"),  # nobody has this phone
        ("12345", "王晓红"),  # not a phone number
    ],
)
def test_finding_an_agent_is_enumeration_safe(
    representative, enterprise, agent, agent_phone, agent_name
):
    browser = sign_in(representative)
    before = audit_count()

    response = browser.post(
        ENTERPRISES, grant_form(enterprise, agent_phone=agent_phone, agent_name=agent_name)
    )

    assert response.status_code == 200
    assert "未找到可授权的经办人" in text_of(response)
    assert not AgentGrant.objects.exists()
    assert audit_count() == before


def test_an_unverified_person_cannot_be_found_as_agent(representative, enterprise):
    make_person(14, name="赵小明", username="zhaoxm", level=1)
    browser = sign_in(representative)

    response = browser.post(
        ENTERPRISES, grant_form(enterprise, agent_phone=phone(14), agent_name="赵小明")
    )

    assert "未找到可授权的经办人" in text_of(response)
    assert not AgentGrant.objects.exists()


def test_grant_form_errors_are_next_to_their_fields(representative, enterprise, agent):
    browser = sign_in(representative)
    data = grant_form(enterprise, agent_phone=phone(12), agent_name="王晓红", scopes=(), days=-1)

    page = text_of(browser.post(ENTERPRISES, data))

    prefix = f"grant-{enterprise.public_id.hex}"
    assert f'id="id_{prefix}-scopes_errors"' in page
    assert not AgentGrant.objects.exists()

    data = grant_form(enterprise, agent_phone=phone(12), agent_name="王晓红", days=-1)
    page = text_of(browser.post(ENTERPRISES, data))
    assert f'id="id_{prefix}-valid_until_errors"' in page
    assert "有效期必须晚于现在" in page
    assert not AgentGrant.objects.exists()


def test_only_the_representative_grants(representative, enterprise, agent, stranger):
    data = grant_form(enterprise, agent_phone=phone(2), agent_name="王晓红")

    for user in (agent, stranger):
        assert sign_in(user).post(ENTERPRISES, data).status_code == 404
    assert not AgentGrant.objects.exists()


@pytest.fixture
def grant(representative, enterprise, agent):
    return agent_grant_create(
        actor=representative,
        legal_person=enterprise,
        agent=agent,
        scopes=["apply"],
        valid_until=timezone.now() + timedelta(days=30),
    )


def test_representative_revokes_a_grant(representative, grant, agent):
    browser = sign_in(representative)
    url = reverse("portal:account-grant-revoke", args=[grant.public_id])
    assert url in text_of(browser.get(ENTERPRISES))

    response = browser.post(url)

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    page = text_of(browser.get(ENTERPRISES))
    assert "已撤销" in page
    assert url not in page  # no revoke button on a revoked grant
    assert ENTERPRISE not in text_of(sign_in(agent).get(ENTERPRISES))


def test_nobody_but_the_representative_revokes(grant, agent, stranger):
    url = reverse("portal:account-grant-revoke", args=[grant.public_id])

    for user in (agent, stranger):
        assert sign_in(user).post(url).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert not AuditEntry.objects.filter(action="identity.agent_grant.revoke").exists()


# --- /my/platforms/ : consents ------------------------------------------------------------------


def make_platform(name="不动产登记平台"):
    client, _secret = oidc_services.client_create(
        actor=None,
        name=name,
        redirect_uris=["https://rp.example.cn/callback"],
        scopes=["openid", "profile", "tongban.realname"],
        organisation="四川省自然资源厅",
    )
    return client


def test_connected_platforms_are_listed_in_plain_chinese_and_revoked_after_confirmation(
    citizen, stranger
):
    platform = make_platform()
    oidc_services.consent_record(
        user=citizen, client=platform, scopes=["openid", "profile", "tongban.realname"]
    )
    oidc_services.consent_record(
        user=stranger, client=make_platform("公积金平台"), scopes=["openid"]
    )
    browser = sign_in(citizen)

    page = text_of(browser.get(PLATFORMS))
    assert "不动产登记平台" in page
    assert "四川省自然资源厅" in page
    assert "实名认证信息" in page
    assert "不会提供完整号码" in page
    assert "公积金平台" not in page

    url = reverse("portal:account-platform-revoke", args=[platform.pk])
    confirm = browser.get(url)
    assert confirm.status_code == 200
    assert "确认取消授权" in text_of(confirm)
    assert consents_for(citizen)  # nothing happens on GET

    response = browser.post(url)

    assert response.status_code == 302
    assert consents_for(citizen) == []
    page = text_of(browser.get(PLATFORMS))
    assert "已取消对“不动产登记平台”的授权" in page
    assert AuditEntry.objects.filter(action="oidc.consent.revoke").count() == 1


def test_another_persons_platform_is_not_found(citizen, stranger):
    theirs = make_platform("公积金平台")
    oidc_services.consent_record(user=stranger, client=theirs, scopes=["openid"])
    browser = sign_in(citizen)
    url = reverse("portal:account-platform-revoke", args=[theirs.pk])

    assert browser.get(url).status_code == 404
    assert browser.post(url).status_code == 404
    assert len(consents_for(stranger)) == 1


# --- Query counts ----------------------------------------------------------------------------------


def queries(browser: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(path).status_code == 200
    return len(captured)


def test_pages_use_a_bounded_number_of_queries(representative, enterprise):
    browser = sign_in(representative)
    later = timezone.now() + timedelta(hours=1)
    agents = [make_person(30 + n, username=f"agent{n}") for n in range(6)]
    platforms = [make_platform(f"平台{n}") for n in range(4)]

    def grow(start: int, stop: int) -> None:
        for n in range(start, stop):
            sign_in_complete(
                user=representative, session_key=f"k{n}", method="password", expires_at=later
            )
            agent_grant_create(
                actor=representative,
                legal_person=enterprise,
                agent=agents[n],
                scopes=["apply"],
                valid_until=later,
            )
            oidc_services.consent_record(
                user=representative, client=platforms[n], scopes=["openid"]
            )

    grow(0, 1)
    small = {path: queries(browser, path) for path in (MY, ENTERPRISES, SECURITY, PLATFORMS)}
    grow(1, 4)
    large = {path: queries(browser, path) for path in (MY, ENTERPRISES, SECURITY, PLATFORMS)}

    assert large == small
    assert max(small.values()) <= 15


# --- Presentation helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("203.0.113.7", "203.0.113.*"),
        ("::ffff:198.51.100.4", "198.51.100.*"),
        ("2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3:*"),
        ("", "未知"),
        (None, "未知"),
        ("not-an-ip", "未知"),
    ],
)
def test_mask_ip(value, masked):
    assert mask_ip(value) == masked


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (CHROME_WINDOWS, "Chrome · Windows"),
        (SAFARI_IPHONE, "Safari · iOS"),
        (CHROME_WINDOWS.replace("Safari/537.36", "Safari/537.36 Edg/131.0.0.0"), "Edge · Windows"),
        ("Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0", "微信内置浏览器 · Android"),
        ("curl/8.5.0", "其他程序"),
        ("", "未知设备"),
    ],
)
def test_device_summary(agent, summary):
    assert device_summary(agent) == summary


def test_user_centre_writes_nothing_on_get(citizen):
    browser = sign_in(citizen)
    before = audit_count()
    users_before = list(User.objects.values_list("pk", "assurance_level"))

    for path in (MY, ENTERPRISES, SECURITY, PLATFORMS):
        assert browser.get(path).status_code == 200

    assert audit_count() == before
    assert list(User.objects.values_list("pk", "assurance_level")) == users_before
