import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tongban.core.models import StaffRole
from tongban.testing.factories import DepartmentFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = "/workbench/"


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={HOME}"


def test_citizen_gets_friendly_403_page(client):
    client.force_login(UserFactory(kind="citizen"))

    response = client.get(HOME)

    content = response.content.decode()
    assert response.status_code == 403
    assert "无权访问此页面" in content
    assert "工作台仅供政务服务工作人员使用" in content
    assert f'href="{reverse("portal:home")}"' in content
    # The citizen's navigation does not offer the workbench.
    assert f'href="{HOME}"' not in content


def test_staff_sees_own_memberships_and_role_tiles(client, regions):
    staff = UserFactory(kind="staff", real_name="李审核")
    department = DepartmentFactory(region=regions["jinjiang"], name="锦江区市场监督管理局")
    StaffMembershipFactory(
        user=staff, role=StaffRole.REVIEWER, region=regions["jinjiang"], department=department
    )
    StaffMembershipFactory(user=staff, role=StaffRole.HOTLINE_OPERATOR, region=regions["chengdu"])
    StaffMembershipFactory(
        user=staff, role=StaffRole.AUDITOR, region=regions["sichuan"], is_active=False
    )
    other = UserFactory(kind="staff")
    StaffMembershipFactory(user=other, role=StaffRole.DATA_OFFICER, region=regions["yuzhong"])
    client.force_login(staff)

    response = client.get(HOME)

    content = response.content.decode()
    assert response.status_code == 200
    assert "李审核，您好！" in content
    assert "审核人员" in content
    assert "四川省成都市锦江区" in content
    assert "锦江区市场监督管理局" in content
    assert "12345话务员" in content
    assert "本区划全部部门" in content
    # Tiles follow the roles held: reviewer and hotline, each opening its page.
    assert "审核办理" in content
    assert f'href="{reverse("workbench:cases_queue")}"' in content
    assert "12345工单" in content
    assert f'href="{reverse("workbench:feedback_desk")}"' in content
    assert "审计日志" not in content  # the auditor membership is inactive
    assert "数据共享" not in content  # another user's role
    assert "渝中区" not in content
    assert reverse("admin:index") not in content
    assert 'aria-current="page">工作台</a>' in content


def test_staff_without_memberships_is_told_what_to_do(client):
    client.force_login(UserFactory(kind="staff"))

    content = client.get(HOME).content.decode()

    assert "您还没有分配岗位" in content
    assert "业务入口" not in content


def test_platform_admin_gets_every_tile_and_admin_link(client, regions):
    admin_user = UserFactory(kind="staff", is_staff=True)
    StaffMembershipFactory(
        user=admin_user, role=StaffRole.PLATFORM_ADMIN, region=regions["sichuan"]
    )
    client.force_login(admin_user)

    content = client.get(HOME).content.decode()

    for title in ("窗口受理", "审核办理", "事项管理", "12345工单", "数据共享", "审计日志"):
        assert title in content
    assert f'href="{reverse("admin:index")}"' in content


def test_workbench_in_english(client, regions):
    staff = UserFactory(kind="staff")
    StaffMembershipFactory(user=staff, role=StaffRole.WINDOW_CLERK, region=regions["chengdu"])
    client.force_login(staff)
    # The middleware leaves the request's language active in this thread: restore it after.
    with translation.override(settings.LANGUAGE_CODE):
        client.post(reverse("set_language"), {"language": "en", "next": HOME})
        content = client.get(HOME).content.decode()

    assert "My roles" in content
    assert "Window clerk" in content
    assert "Window acceptance" in content


def test_membership_reads_do_not_grow_with_memberships(client, regions, django_assert_num_queries):
    staff = UserFactory(kind="staff")
    for region in ("sichuan", "chengdu", "jinjiang", "qingyang"):
        StaffMembershipFactory(
            user=staff,
            role=StaffRole.REVIEWER,
            region=regions[region],
            department=DepartmentFactory(region=regions[region]),
        )
    client.force_login(staff)

    # session, user, the revocation check of the user's session row, memberships with their
    # regions and departments
    with django_assert_num_queries(4):
        response = client.get(HOME)

    assert response.content.decode().count('class="membership"') == 4
