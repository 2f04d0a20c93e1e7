import pytest
from django.utils import translation

from tongban.core import codes


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_item_types_are_the_gb_t_39046_a1_codes():
    assert dict(codes.ItemType.choices) == {
        "00": "行政权力事项",
        "01": "行政许可",
        "02": "行政处罚",
        "03": "行政强制",
        "04": "行政征收",
        "05": "行政给付",
        "06": "行政检查",
        "07": "行政确认",
        "08": "行政奖励",
        "09": "行政裁决",
        "10": "其他类别事项",
        "20": "公共服务事项",
    }
    assert codes.ItemType.PENALTY not in codes.ON_APPLICATION_ITEM_TYPES
    assert codes.ItemType.LICENSING in codes.ON_APPLICATION_ITEM_TYPES


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (codes.ExerciseLevel, ["1", "2", "3", "4", "5", "6", "7"]),
        (codes.BodyNature, ["1", "2", "3", "9"]),
        (codes.ServiceObject, ["1", "2", "3", "4", "5", "6"]),
        (codes.HandlingForm, ["1", "2", "3", "4", "9"]),
        (codes.CaseKind, ["1", "2", "9"]),
        (codes.SpecialProcedureKind, ["1", "2"]),
        (codes.Satisfaction, ["1", "2", "3", "4", "5"]),
        (codes.PowerSource, ["1", "2", "3", "4", "5", "6"]),
        (codes.OnlineDepth, ["1", "2", "3", "4", "5", "6", "7", "8"]),
        (codes.YesNo, ["1", "0"]),
    ],
)
def test_code_tables_have_the_national_codes(table, values):
    assert list(table.values) == values


def test_theme_tables_step_by_five_and_skip_080():
    for table, last in ((codes.NaturalPersonTheme, "155"), (codes.LegalPersonTheme, "170")):
        values = list(table.values)
        regular = [v for v in values if v not in {"998", "999"}]
        assert regular == [f"{n:03d}" for n in range(5, int(last) + 1, 5) if n != 80]
        assert values[-2:] == ["998", "999"]
    assert len(codes.NaturalPersonTheme) == 32
    assert len(codes.LegalPersonTheme) == 35
    assert codes.NaturalPersonTheme("085").label == "社会保障（社会保险、社会救助）"
    assert codes.LegalPersonTheme("165").label == "法人注销"


def test_theme_label_looks_up_the_audience_table():
    assert codes.theme_label("personal", "060") == "婚姻登记"
    assert codes.theme_label("corporate", "060") == "招标拍卖"
    assert codes.theme_label("personal", "080") is None
    assert codes.theme_label("personal", "160") is None  # only 法人 has 160
    assert codes.theme_label("somebody", "005") is None


def test_exchange_service_objects_map_to_a4():
    assert set(codes.SERVICE_OBJECT_FROM_EXCHANGE) == set(codes.SERVICE_OBJECT_EXCHANGE)
    assert codes.SERVICE_OBJECT_FROM_EXCHANGE["6"] == codes.ServiceObject.ADMINISTRATIVE_ORGAN
    assert codes.SERVICE_OBJECT_FROM_EXCHANGE["9"] == codes.ServiceObject.OTHER_ORGANIZATION
