"""Base registries: verification outcomes, the adapter setting, CSV import."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from tongban.audit.models import AuditEntry
from tongban.core.identifiers import credit_code_build
from tongban.identity.models import RegistryLegalPerson, RegistryPerson
from tongban.identity.registries import (
    EmbeddedPersonRegistry,
    RegistryAnswer,
    RegistryOutcome,
    legal_person_registry,
    person_registry,
)
from tongban.identity.services import registry_legal_persons_import, registry_persons_import
from tongban.testing.identity import id_number

pytestmark = pytest.mark.django_db

ALIVE = id_number(1)
DEAD = id_number(2)
GONE = id_number(3)
BAD_CHECK = ALIVE[:-1] + ("0" if ALIVE[-1] != "0" else "1")
CODE = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ8K2")
CLOSED = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ8K3")
STRUCK = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ8K4")


@pytest.fixture
def persons():
    registry_persons_import(
        actor=None,
        rows=[
            {"name": "张晓燕", "id_number": ALIVE, "status": "normal"},
            {"name": "李四", "id_number": DEAD, "status": "deceased"},
            {"name": "王五", "id_number": GONE, "status": "cancelled"},
        ],
    )


@pytest.fixture
def companies():
    rows = [
        (CODE, "成都蜀味餐饮管理有限公司", "active"),
        (CLOSED, "成都老店餐饮有限公司", "cancelled"),
        (STRUCK, "成都吊销餐饮有限公司", "revoked"),
    ]
    registry_legal_persons_import(
        actor=None,
        rows=[
            {
                "credit_code": code,
                "name": name,
                "representative_name": "张晓燕",
                "representative_id_number": ALIVE,
                "status": status,
            }
            for code, name, status in rows
        ],
    )


@pytest.mark.parametrize(
    ("name", "number", "outcome"),
    [
        ("张晓燕", ALIVE, RegistryOutcome.MATCH),
        (" 张 晓燕 ", ALIVE.lower(), RegistryOutcome.MATCH),
        ("张小燕", ALIVE, RegistryOutcome.MISMATCH),
        ("张晓燕", id_number(9), RegistryOutcome.NOT_FOUND),
        ("张晓燕", BAD_CHECK, RegistryOutcome.NOT_FOUND),
        ("李四", DEAD, RegistryOutcome.DECEASED),
        ("王五", GONE, RegistryOutcome.CANCELLED),
    ],
)
def test_person_verification_outcomes(persons, name, number, outcome):
    assert person_registry().verify(name=name, id_number=number) == RegistryAnswer(outcome)


@pytest.mark.parametrize(
    ("code", "name", "rep", "rep_id", "outcome"),
    [
        (CODE, "成都蜀味餐饮管理有限公司", "张晓燕", ALIVE, RegistryOutcome.MATCH),
        (CODE.lower(), "成都蜀味餐饮管理有限公司", "张晓燕", ALIVE, RegistryOutcome.MATCH),
        (CODE, "成都蜀味餐饮有限公司", "张晓燕", ALIVE, RegistryOutcome.MISMATCH),
        (CODE, "成都蜀味餐饮管理有限公司", "李四", ALIVE, RegistryOutcome.MISMATCH),
        (CODE, "成都蜀味餐饮管理有限公司", "张晓燕", DEAD, RegistryOutcome.MISMATCH),
        (CLOSED, "成都老店餐饮有限公司", "张晓燕", ALIVE, RegistryOutcome.CANCELLED),
        (STRUCK, "成都吊销餐饮有限公司", "张晓燕", ALIVE, RegistryOutcome.REVOKED),
        (
            credit_code_build(
                department="9", category="1", region_code="510104", org_body8="MA6CJ8K5"
            ),
            "无此企业",
            "张晓燕",
            ALIVE,
            RegistryOutcome.NOT_FOUND,
        ),
    ],
)
def test_legal_person_verification_outcomes(companies, code, name, rep, rep_id, outcome):
    answer = legal_person_registry().verify(
        credit_code=code, name=name, representative_name=rep, representative_id_number=rep_id
    )
    assert answer.outcome == outcome


def test_answers_carry_no_registry_data(persons):
    answer = person_registry().verify(name="张小燕", id_number=ALIVE)

    assert set(vars(answer)) == {"outcome"}
    assert "张晓燕" not in repr(answer)


def test_registry_id_numbers_are_encrypted_at_rest(persons, django_db_blocker):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM identity_registryperson")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored
    assert all(ALIVE not in s and s.startswith("sm4gcm:") for s in stored)


def test_adapter_is_chosen_by_setting(settings):
    settings.TONGBAN_PERSON_REGISTRY = "tongban.identity.registries.EmbeddedPersonRegistry"
    assert isinstance(person_registry(), EmbeddedPersonRegistry)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("tongban.identity.registries.NoSuchRegistry", "cannot be imported"),
        ("tongban.identity.registries.RegistryAnswer", "not a subclass"),
    ],
)
def test_a_misconfigured_adapter_says_what_is_wrong(settings, path, words):
    settings.TONGBAN_PERSON_REGISTRY = path

    with pytest.raises(ImproperlyConfigured, match=words) as excinfo:
        person_registry()
    assert "TONGBAN_PERSON_REGISTRY" in str(excinfo.value)


# --- CSV import -----------------------------------------------------------------------------------


def _csv(tmp_path, text: str, *, bom: bool = True):
    path = tmp_path / "registry.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def test_import_persons_with_bom(tmp_path, capsys):
    path = _csv(tmp_path, f"姓名,公民身份号码,状态\n张晓燕,{ALIVE},正常\n李四,{DEAD},死亡注销\n")

    call_command("identity", "registry", "import", "persons", str(path))

    assert "新增 2" in capsys.readouterr().out
    assert RegistryPerson.objects.count() == 2
    assert person_registry().verify(name="李四", id_number=DEAD).outcome == "deceased"
    entry = AuditEntry.objects.get(action="identity.registry.persons_import")
    assert entry.summary["created"] == 2
    assert ALIVE not in str(entry.summary)


def test_import_updates_existing_rows(tmp_path, capsys, persons):
    path = _csv(tmp_path, f"name,id_number,status\n张晓燕,{ALIVE},deceased\n", bom=False)

    call_command("identity", "registry", "import", "persons", str(path))

    assert "更新 1" in capsys.readouterr().out
    assert person_registry().verify(name="张晓燕", id_number=ALIVE).outcome == "deceased"


def test_import_is_all_or_nothing_with_row_column_and_reason(tmp_path, capsys):
    path = _csv(
        tmp_path,
        "姓名,公民身份号码,状态\n"
        f"张晓燕,{ALIVE},正常\n"
        f"李四,{BAD_CHECK},正常\n"
        f",{DEAD},正常\n"
        f"王五,{ALIVE},失踪\n",
    )
    before = AuditEntry.objects.count()

    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("identity", "registry", "import", "persons", str(path))

    errors = capsys.readouterr().err
    assert "第3行，“公民身份号码”列：公民身份号码校验码错误" in errors
    assert "第4行，“姓名”列：不能为空" in errors
    assert "第5行，“状态”列：无法识别“失踪”" in errors
    assert "第5行，“公民身份号码”列：与第2行的号码重复" in errors
    assert RegistryPerson.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_import_names_a_missing_column_and_a_wrong_encoding(tmp_path, capsys):
    path = _csv(tmp_path, "姓名,状态\n张晓燕,正常\n")
    with pytest.raises(CommandError):
        call_command("identity", "registry", "import", "persons", str(path))
    assert "第1行，“公民身份号码”列：缺少“公民身份号码”列" in capsys.readouterr().err

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(f"姓名,公民身份号码\n张晓燕,{ALIVE}\n".encode("gbk"))
    with pytest.raises(CommandError):
        call_command("identity", "registry", "import", "persons", str(gbk))
    assert "不是 UTF-8 编码" in capsys.readouterr().err


def test_import_legal_persons(tmp_path, capsys):
    path = _csv(
        tmp_path,
        "名称,统一社会信用代码,法定代表人,法定代表人身份证号,状态\n"
        f"成都蜀味餐饮管理有限公司,{CODE},张晓燕,{ALIVE},存续\n"
        f"成都吊销餐饮有限公司,{STRUCK},张晓燕,{ALIVE},吊销\n",
    )

    call_command("identity", "registry", "import", "legal-persons", str(path))

    assert "法人库导入完成：新增 2" in capsys.readouterr().out
    row = RegistryLegalPerson.objects.get(credit_code=STRUCK)
    assert row.status == "revoked"
    assert row.representative_id_number == ALIVE


def test_import_legal_persons_reports_bad_codes(tmp_path, capsys):
    bad = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    path = _csv(
        tmp_path,
        "名称,统一社会信用代码,法定代表人,法定代表人身份证号\n"
        f"成都蜀味餐饮管理有限公司,{bad},张晓燕,{ALIVE}\n",
    )

    with pytest.raises(CommandError):
        call_command("identity", "registry", "import", "legal-persons", str(path))

    assert "第2行，“统一社会信用代码”列：统一社会信用代码校验码" in capsys.readouterr().err
    assert RegistryLegalPerson.objects.count() == 0
