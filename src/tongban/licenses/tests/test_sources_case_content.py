"""The license an approved case issues: content from the case's form where keys (or aliases)
match, derived from the holder where possible, optional fields left empty, never refused for
them."""

from __future__ import annotations

import pytest

from tongban.cases.sources import CaseResult, Holder, result_issuer
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import credit_code_build
from tongban.identity.models import LegalPerson
from tongban.licenses import services
from tongban.licenses.models import License
from tongban.licenses.tests.conftest import CITIZEN_ID, MINISTRY_CODE

pytestmark = pytest.mark.django_db


def _result(world, *, type_code, form, holder_kind="person", key=CITIZEN_ID, name="张晓燕"):
    return CaseResult(
        case_number="510104-20261122-000001",
        item_code="X",
        license_type_code=type_code,
        implementing_body_id=world.body.pk,
        holder=Holder(
            user_id=world.citizen.pk, holder_kind=holder_kind, holder_key=key, holder_name=name
        ),
        form_data=form,
        decided_at="2026-11-22T10:00:00+08:00",
    )


def _type(code, fields, holder_kind="person"):
    return services.license_type_save(
        actor=None,
        code=code,
        national_code=MINISTRY_CODE + code[-3:],
        name="测试证照",
        defining_department="民政部",
        defining_department_code=MINISTRY_CODE,
        holder_kind=holder_kind,
        fields=fields,
        replaces_materials=[],
    )


def test_form_keys_aliases_and_holder_facts_fill_the_content(world):
    _type(
        "CN-LIC-TEST-101",
        [
            {"key": "ss_number", "label": "社会保障号码", "required": True},
            {"key": "sex", "label": "性别", "required": False},
            {"key": "birth_date", "label": "出生日期", "required": False},
            {"key": "bank", "label": "发卡银行", "required": False},
            {"key": "address", "label": "住址", "required": False},
            {"key": "card_no", "label": "卡号", "required": False},
        ],
    )
    form = {
        "bank": "工商银行",
        "residence": "成都市锦江区总府路2号",
        "citizen_id": CITIZEN_ID,
        "phone": "13812345678",
    }
    issued = result_issuer("license").issue_for_case(
        result=_result(world, type_code="CN-LIC-TEST-101", form=form)
    )
    lic = License.objects.get(identifier=issued.reference)
    assert lic.content == {
        "ss_number": CITIZEN_ID,
        "sex": "女",
        "birth_date": "1990-03-07",
        "bank": "工商银行",
        "address": "成都市锦江区总府路2号",
    }  # card_no: nothing supplies it, left empty


def test_lists_become_text_and_the_representative_comes_from_the_register(world):
    code = credit_code_build(
        department="5", category="1", region_code="510104", org_body8="MA6CJ8K3"
    )
    LegalPerson.objects.create(name="锦江区书法协会", credit_code=code, legal_representative="王明")
    _type(
        "CN-LIC-TEST-102",
        [
            {"key": "legal_rep", "label": "法定代表人", "required": True},
            {"key": "scope", "label": "业务范围", "required": True},
        ],
        holder_kind="organisation",
    )
    issued = result_issuer("license").issue_for_case(
        result=_result(
            world,
            type_code="CN-LIC-TEST-102",
            form={"business_scope": ["书法交流", "培训"]},
            holder_kind="organisation",
            key=code,
            name="锦江区书法协会",
        )
    )
    lic = License.objects.get(identifier=issued.reference)
    assert lic.content == {"legal_rep": "王明", "scope": "书法交流、培训"}


def test_a_required_fact_nothing_supplies_is_still_refused(world):
    _type("CN-LIC-TEST-103", [{"key": "grade", "label": "等级", "required": True}])
    with pytest.raises(ValidationFailed):
        result_issuer("license").issue_for_case(
            result=_result(world, type_code="CN-LIC-TEST-103", form={"other": "x"})
        )
    assert not License.objects.filter(license_type__code="CN-LIC-TEST-103").exists()
