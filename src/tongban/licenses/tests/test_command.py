from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.licenses import services
from tongban.licenses.models import ImportJob, IssuerKey, KeyStatus, License
from tongban.licenses.tests.conftest import CITIZEN_ID, OTHER_ID, issue_marriage

DCC = Path(__file__).parent / "data" / "dcc"


def _cert_pem(vector: dict) -> bytes:
    der = base64.b64decode(vector["TESTCTX"]["CERTIFICATE"])
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    ).encode()


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("licenses", *args, stdout=out)
    return out.getvalue()


def test_verify_qr_eu_dcc_after_import_x509(db, tmp_path):
    vector = json.loads((DCC / "AT_1.json").read_text())
    pem = tmp_path / "at.pem"
    pem.write_bytes(_cert_pem(vector))
    at = vector["TESTCTX"]["VALIDATIONCLOCK"]
    before = json.loads(_run("verify-qr", vector["PREFIX"], "--at", at))
    assert before["valid"] is False
    assert "已信任" in _run("trust", "import-x509", str(pem), "--country", "AT")
    result = json.loads(_run("verify-qr", vector["PREFIX"], "--at", at))
    assert set(result) == {"valid", "signature_valid", "reason", "issuer", "claims"}
    assert result["valid"] is True, result["reason"]
    assert result["signature_valid"] is True


def test_verify_qr_tongban_offline(world):
    lic = issue_marriage(world)
    text = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    result = json.loads(_run("verify-qr", text))
    assert result["valid"] is True
    assert result["issuer"] == world.body.name


def test_keys_rotate_and_trust_export(world, tmp_path):
    old = IssuerKey.objects.get(body=world.body, status=KeyStatus.ACTIVE)
    assert "新密钥" in _run("keys", "rotate", "--body", world.body.credit_code)
    old.refresh_from_db()
    assert old.status == KeyStatus.RETIRED
    target = tmp_path / "trust.json"
    _run("trust", "export", str(target))
    document = json.loads(target.read_text())
    kids = {k["kid"] for i in document["payload"]["issuers"] for k in i["keys"]}
    assert old.kid in kids


def test_import_command_all_or_nothing(world, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "持证主体名称,持证主体代码,证照编号,颁发日期,有效期截止,配偶姓名,登记日期\n"
        f"张晓燕,{CITIZEN_ID},J001,2020-05-20,长期,王强,2020-05-20\n"
        f"李建国,{OTHER_ID},J002,2021/06/01,,刘梅,2021年6月1日\n",
        encoding="utf-8",
    )
    assert "2 本" in _run(
        "import", str(good), "--type", "CN-LIC-MARRIAGE-CERT", "--body", world.body.credit_code
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "持证主体名称,持证主体代码,证照编号,颁发日期,配偶姓名,登记日期\n"
        f"张晓燕,{CITIZEN_ID},J003,2020-05-20,王强,2020-05-20\n"
        "李建国,510104199003070021,J004,2021-13-01,,2021-06-01\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        _run("import", str(bad), "--type", "CN-LIC-MARRIAGE-CERT", "--body", world.body.credit_code)
    assert License.objects.count() == 2
    job = ImportJob.objects.order_by("-id").first()
    messages = {(e["row"], e["field"]) for e in job.errors}
    assert (3, "持证主体代码") in messages
    assert (3, "颁发日期") in messages
    assert (3, "配偶姓名") in messages


def test_expire_and_revocations_commands(world, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    lic = issue_marriage(
        world, issued_on=today - timedelta(days=400), valid_until=today - timedelta(days=1)
    )
    assert "1 本" in _run("expire")
    lic.refresh_from_db()
    assert lic.status == "expired"
    other = issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    services.license_revoke(actor=world.reviewer, license=other, reason="依法撤销")
    document = json.loads(_run("revocations"))
    assert [e["id"] for e in document["payload"]["entries"]] == [other.identifier]
    target = tmp_path / "revocations.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError):  # our own platform is not a trusted foreign platform
        _run("trust", "import", str(target))
