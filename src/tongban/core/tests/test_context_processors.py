import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from tongban.core.context_processors import html_lang, is_staff_user, mask_name, platform
from tongban.testing.factories import UserFactory


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-hans", "zh-Hans"), ("en", "en"), ("zh-hant-tw", "zh-Hant-TW"), ("en_gb", "en-GB")],
)
def test_html_lang_uses_bcp47_case(code, expected):
    assert html_lang(code) == expected


@pytest.mark.parametrize(
    ("name", "masked"),
    [("", ""), ("李", "李"), ("张三", "张*"), ("王小明", "王*明"), ("欧阳建国", "欧**国")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_platform_context_for_anonymous_visitor(settings):
    settings.TONGBAN_PLATFORM_NAME = "测试政务服务网"
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.elder_mode = True

    with translation.override("zh-hans"):
        context = platform(request)

    assert context["platform_name"] == "测试政务服务网"
    assert context["elder_mode"] is True
    assert context["html_lang"] == "zh-Hans"
    assert context["is_workbench_user"] is False
    assert context["user_masked_name"] == ""


@pytest.mark.django_db
def test_workbench_access_is_for_staff_accounts_and_superusers():
    assert is_staff_user(UserFactory(kind="staff"))
    assert is_staff_user(UserFactory(kind="citizen", is_superuser=True))
    assert not is_staff_user(UserFactory(kind="citizen"))
    assert not is_staff_user(UserFactory(kind="enterprise"))
    assert not is_staff_user(AnonymousUser())
