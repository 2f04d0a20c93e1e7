import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tongban.audit.models import AuditEntry
from tongban.core.models import CalendarYear, OperatorAlert
from tongban.core.models.alerts import AlertSeverity
from tongban.core.services.alerts import calendar_alert_key
from tongban.core.services.calendar import calendar_year_check, calendar_year_parse
from tongban.core.workdays import CHINA_TZ, calendar_year_get
from tongban.testing.factories import UserFactory

EXAMPLE_FILE = Path(__file__).resolve().parents[4] / "docs/examples/holidays-2027.example.json"

# Invented for tests: the real 2027 arrangement is not published in any package we have.
FAKE_2027 = {
    "_comment": "测试数据，非官方安排",
    "year": 2027,
    "source": "测试用安排（非官方）",
    "holidays": [
        {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
        {"name": "春节", "start": "2027-02-06", "end": "2027-02-13"},
    ],
    "workdays": [{"name": "春节调休", "date": "2027-02-20"}],
}


def run(*args):
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def december_2026(time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ), tick=False)


@pytest.fixture
def fake_2027_file(tmp_path):
    path = tmp_path / "holidays-2027.json"
    path.write_text(json.dumps(FAKE_2027, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_add_prints_exactly_the_due_date():
    assert run("add", "2026-09-30", "5") == "2026-10-13\n"


@pytest.mark.django_db
def test_between_prints_the_count_signed():
    assert run("between", "2026-09-30", "2026-10-13") == "5\n"
    assert run("between", "2026-10-13", "2026-09-30") == "-5\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("add", "2026/09/30", "5"), "YYYY-MM-DD"),
        (("add", "2026-09-30", "-1"), "不能为负数"),
        (("between", "2026-09-30", "tomorrow"), "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_a_clear_error(args, fragment):
    with pytest.raises(CommandError, match=fragment):
        run(*args)


@pytest.mark.django_db
def test_a_missing_year_fails_in_chinese_and_records_the_alert(december_2026):
    with pytest.raises(CommandError) as info:
        run("add", "2026-12-28", "5")
    assert str(info.value).startswith("2027年的法定节假日安排尚未录入，无法计算工作日。")
    alert = OperatorAlert.objects.get(key=calendar_alert_key(2027))
    assert alert.severity == AlertSeverity.CRITICAL
    assert alert.resolved_at is None


@pytest.mark.django_db
def test_year_load_enters_the_file_and_resolves_the_alert(december_2026, fake_2027_file):
    with pytest.raises(CommandError):
        run("add", "2026-12-28", "5")
    UserFactory(username="cal_admin", kind="staff")
    output = run("year", "load", str(fake_2027_file), "--by", "cal_admin")
    assert (
        output
        == "已录入2027年节假日安排（依据：测试用安排（非官方））：工作日放假6天，调休上班1天。\n"
    )
    assert run("add", "2026-12-28", "5") == "2027-01-05\n"
    assert CalendarYear.objects.get(year=2027).entered_by.username == "cal_admin"
    assert OperatorAlert.objects.get(key=calendar_alert_key(2027)).resolved_at is not None
    assert AuditEntry.objects.get(action="core.calendar.enter_year").actor_label == "cal_admin"


@pytest.mark.django_db
def test_year_load_refuses_the_example_file():
    with pytest.raises(CommandError, match="示例文件"):
        run("year", "load", str(EXAMPLE_FILE))
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_year_load_lists_every_problem_and_changes_nothing(tmp_path):
    bad = dict(FAKE_2027, workdays=[{"name": "调休", "date": "2027-02-22"}], source="")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run("year", "load", str(path))
    message = str(info.value)
    assert "2027年的节假日安排有误" in message
    assert "source：请填写依据文件" in message
    assert "workdays[0]：2027-02-22（周一） 本来就是工作日" in message
    assert not CalendarYear.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_year_load_reports_unreadable_files(tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        run("year", "load", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 UTF-8 JSON"):
        run("year", "load", str(broken))
    with pytest.raises(CommandError, match="用户不存在"):
        run("year", "load", str(EXAMPLE_FILE), "--by", "nobody")


@pytest.mark.django_db
def test_year_show_tells_where_the_data_comes_from(fake_2027_file):
    package = run("year", "show", "2026")
    assert package.startswith("2026年 来源：软件包（package）；chinese-calendar 软件包")
    assert "2026-10-10 周六 班 国庆节调休上班\n" in package
    assert "2026-10-01 周四 休 国庆节\n" in package
    run("year", "load", str(fake_2027_file))
    entered = run("year", "show", "2027")
    assert entered.startswith("2027年 来源：已录入（entered）；依据：测试用安排（非官方）")
    assert "2027-02-20 周六 班 春节调休\n" in entered


@pytest.mark.django_db
def test_year_export_writes_a_loadable_file():
    payload = json.loads(run("year", "export", "2026"))
    data = calendar_year_parse(payload)
    assert data.year == 2026
    assert (
        calendar_year_check(
            year=2026,
            holidays=data.holidays,
            adjusted_workdays=data.adjusted_workdays,
            source=data.source,
        )
        == []
    )
    with pytest.raises(CommandError, match="2004至2026年"):
        run("year", "export", "2027")


@pytest.mark.django_db
def test_check_passes_when_covered_and_fails_with_an_alert_before_a_gap(
    time_machine, fake_2027_file
):
    time_machine.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=CHINA_TZ))
    assert run("check") == "工作日数据齐全：2026-06-01 至 2026-08-30 均已覆盖。\n"
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ))
    with pytest.raises(CommandError, match="2027年的法定节假日安排尚未录入：2027-01-01 起"):
        run("check")
    assert OperatorAlert.objects.get(key=calendar_alert_key(2027)).severity == "warning"
    run("year", "load", str(fake_2027_file))
    assert run("check").startswith("工作日数据齐全")
    assert calendar_year_get(2027).origin == "entered"


@pytest.mark.django_db
def test_check_accepts_an_explicit_today_and_horizon():
    assert run("check", "--today", "2026-01-10", "--horizon", "30").startswith(
        "工作日数据齐全：2026-01-10 至 2026-02-09"
    )
