import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tongban.core.codes import LegalPersonTheme, NaturalPersonTheme
from tongban.core.middleware import ELDER_COOKIE
from tongban.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def html_lang(content: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', content)
    assert match, "no <html lang>"
    return match.group(1)


def test_home_is_chinese_with_search_and_national_themes(client):
    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert html_lang(content) == "zh-Hans"
    assert 'class="skip-link" href="#main"' in content
    assert "跳到主要内容" in content
    # The search box has a label bound to it and submits to the search page.
    assert f'action="{reverse("portal:search")}"' in content
    assert '<label class="search-label" for="home-q">搜索服务事项</label>' in content
    assert "热门服务" in content
    assert "主题服务" in content
    for theme in (NaturalPersonTheme.MARRIAGE_REGISTRATION, LegalPersonTheme.DEREGISTRATION):
        assert str(theme.label) in content
    assert reverse("portal:theme", args=["personal", "060"]) in content
    assert reverse("portal:theme", args=["corporate", "165"]) in content
    assert len(re.findall(r'class="theme-link"', content)) == len(NaturalPersonTheme) + len(
        LegalPersonTheme
    )
    # No asset comes from another host (government intranets have no CDN).
    assert not re.search(r'(src|href)="(https?:)?//', content)


def test_home_shows_empty_popular_services_and_login_prompt_to_anonymous(client):
    content = client.get(reverse("portal:home")).content.decode()

    assert "热门服务将在事项上线后显示" in content
    assert "登录后可查看办件进度" in content
    assert f'href="{reverse("login")}?next=/"' in content
    assert "退出登录" not in content


def test_home_greets_signed_in_user_with_masked_name(client):
    user = UserFactory(real_name="王小明")
    client.force_login(user)

    content = client.get(reverse("portal:home")).content.decode()

    assert "王*明，您好！" in content
    assert "王小明" not in content
    assert "我的办件" in content
    assert "即将上线" in content
    # Logout is a POST form (Django 5+ refuses GET logout).
    assert re.search(rf'<form[^>]+action="{reverse("logout")}" method="post"', content)


def test_english_switch_translates_page_and_html_lang(client):
    # The middleware leaves the request's language active in this thread: restore it after.
    with translation.override(settings.LANGUAGE_CODE):
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        content = client.get(reverse("portal:home")).content.decode()

    assert response.status_code == 302

    assert html_lang(content) == "en"
    assert "Skip to main content" in content
    assert "Popular services" in content
    assert "Marriage registration" in content
    assert "热门服务" not in content
    # The switch back is offered in its own language.
    assert 'value="zh-hans" lang="zh-Hans">简体中文</button>' in content


def test_elder_mode_switch_sets_cookie_and_body_class(client):
    assert 'class="elder' not in client.get("/").content.decode()

    response = client.post(
        reverse("portal:display-mode"), {"mode": "elder", "next": "/search/?q=tax"}
    )

    assert response.status_code == 302
    assert response.url == "/search/?q=tax"
    cookie = response.cookies[ELDER_COOKIE]
    assert cookie.value == "1"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]
    content = client.get("/").content.decode()
    assert '<body class="elder page-home"' in content
    assert 'name="mode" value="standard">标准模式</button>' in content

    response = client.post(reverse("portal:display-mode"), {"mode": "standard", "next": "/"})

    assert response.cookies[ELDER_COOKIE].value == "0"
    assert '<body class="page-home"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_elder_mode_switch_refuses_external_next(client, target):
    response = client.post(reverse("portal:display-mode"), {"mode": "elder", "next": target})

    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_elder_mode_switch_is_post_only(client):
    response = client.get(reverse("portal:display-mode"), {"mode": "elder"})

    assert response.status_code == 405
    assert ELDER_COOKIE not in response.cookies


def test_search_page_echoes_query_and_says_what_to_try_when_nothing_matches(client):
    response = client.get(reverse("portal:search"), {"q": "  营业执照   办理 "})

    content = response.content.decode()
    assert response.status_code == 200
    assert "“营业执照 办理”的搜索结果" in content
    assert 'value="营业执照 办理"' in content
    assert "没有找到相关的服务事项。请换个说法" in content


def test_search_page_escapes_query(client):
    content = client.get(reverse("portal:search"), {"q": "<script>x</script>"}).content.decode()

    assert "<script>x</script>" not in content
    assert "&lt;script&gt;x&lt;/script&gt;" in content


def test_theme_page_shows_theme_name(client):
    response = client.get(reverse("portal:theme", args=["personal", "060"]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>婚姻登记</h1>" in content
    assert "个人服务" in content


@pytest.mark.parametrize(
    ("audience", "code"), [("personal", "080"), ("corporate", "001"), ("nobody", "005")]
)
def test_theme_page_unknown_code_is_friendly_404(client, audience, code):
    response = client.get(reverse("portal:theme", args=[audience, code]))

    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content
    assert 'href="#main"' in content


def test_accessibility_statement_is_linked_from_footer(client):
    content = client.get("/").content.decode()
    assert f'href="{reverse("portal:accessibility")}"' in content

    response = client.get(reverse("portal:accessibility"))

    assert response.status_code == 200
    assert "GB/T 37668" in response.content.decode()


def test_login_page_is_styled_form_with_labels(client):
    content = client.get(reverse("login") + "?next=/workbench/").content.decode()

    assert '<label for="id_username">用户名' in content
    assert '<label for="id_password">密码' in content
    assert 'autocomplete="current-password"' in content
    assert 'name="next" value="/workbench/"' in content


def test_login_failure_explains_and_marks_fields(client):
    response = client.post(reverse("login"), {"username": "nobody", "password": "wrong-password"})

    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in content
    assert "登录失败" in content


def test_home_names_the_configured_region_in_two_queries(
    client, regions, settings, django_assert_num_queries
):
    settings.TONGBAN_HOME_REGION = "510100"

    # One for the region, one for its popular services (热门服务).
    with django_assert_num_queries(2):
        content = client.get(reverse("portal:home")).content.decode()

    assert "<strong>成都市</strong>" in content
    assert "区划代码 510100" in content


def test_home_without_region_data_shows_the_code(client, settings):
    settings.TONGBAN_HOME_REGION = "990000"

    content = client.get(reverse("portal:home")).content.decode()

    assert "区划代码 990000" in content


def test_server_error_page_renders_without_request_context():
    html = render_to_string("500.html")

    assert "系统繁忙" in html
    assert "12345" in html


@pytest.mark.django_db
def test_chinese_is_the_default_even_when_the_browser_asks_for_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in response.content.decode()
