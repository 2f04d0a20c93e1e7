from __future__ import annotations

import io

from openpyxl import Workbook

from tongban.licenses import services
from tongban.licenses.importer import parse_date
from tongban.licenses.models import ImportJob, License, LicenseEvent
from tongban.licenses.tests.conftest import CITIZEN_ID, OTHER_ID


def _submit(world, filename: str, data: bytes) -> ImportJob:
    job = services.license_import_submit(
        actor=None, license_type=world.license_type, issuer=world.body, filename=filename, data=data
    )
    return services.license_import_run(job_id=job.pk)


def test_excel_import_signs_every_row(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["持证主体名称", "公民身份号码", "颁发日期", "配偶姓名", "登记日期", "结婚证字号"])
    sheet.append(["张晓燕", CITIZEN_ID, "2020-05-20", "王强", "2020-05-20", "J001"])
    sheet.append(["李建国", OTHER_ID, "2019年1月2日", "刘梅", "2019-01-02", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    job = _submit(world, "registry.xlsx", buffer.getvalue())
    assert job.status == "succeeded", job.errors
    assert job.created_count == 2
    assert job.data in (b"", memoryview(b""))
    identifiers = set(License.objects.values_list("identifier", flat=True))
    assert len(identifiers) == 2
    assert not LicenseEvent.objects.exists()  # the import job is their record
    assert License.objects.filter(import_job=job).count() == 2
    from django.utils import timezone

    from tongban.licenses.verification import check_license

    for lic in License.objects.all():
        assert check_license(lic, at=timezone.now())[0]


def test_unknown_column_and_duplicates_fail_whole_file(world):
    data = (
        "持证主体名称,持证主体代码,证照编号,颁发日期,配偶姓名,登记日期,颜色\n"
        f"张晓燕,{CITIZEN_ID},J1,2020-05-20,王强,2020-05-20,红\n"
    ).encode()
    job = _submit(world, "a.csv", data)
    assert job.status == "failed"
    assert "未知列" in job.errors[0]["message"]
    data = (
        "持证主体名称,持证主体代码,证照编号,颁发日期,配偶姓名,登记日期\n"
        f"张晓燕,{CITIZEN_ID},J1,2020-05-20,王强,2020-05-20\n"
        f"李建国,{OTHER_ID},J1,2020-05-20,刘梅,2020-05-20\n"
    ).encode("gb18030")
    job = _submit(world, "b.csv", data)
    assert job.status == "failed"
    assert job.errors == [{"row": 3, "field": "证照编号", "message": "证照编号 J1 在文件中重复。"}]
    assert not License.objects.exists()


def test_wrong_file_type_is_refused(world):
    import pytest

    from tongban.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.license_import_submit(
            actor=None,
            license_type=world.license_type,
            issuer=world.body,
            filename="a.pdf",
            data=b"x",
        )
    assert not ImportJob.objects.exists()


def test_parse_date_forms():
    assert str(parse_date("2024/3/1")) == "2024-03-01"
    assert str(parse_date("20240301")) == "2024-03-01"
    assert parse_date("2024-02-30") is None
