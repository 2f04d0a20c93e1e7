"""The guide the cases tests build on: 食品经营许可 with three materials (one an e-license stand-in,
one non-key for 容缺), a small form and a three-step workflow. Test worlds copy and extend it."""

from __future__ import annotations

from typing import Any

FOOD_LICENCE_GUIDE: dict[str, Any] = {
    "name": "食品经营许可",
    "item_type": "01",
    "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    "exercise_level": "4",
    "case_kind": "2",
    "legal_days": 20,
    "promised_days": 5,
    "acceptance_conditions": ["申请人已取得营业执照等合法主体资格。"],
    "materials": [
        {
            "code": "M001",
            "name": "食品经营许可申请书",
            "forms": ["electronic"],
            "required": True,
            "source": "applicant",
        },
        {
            "code": "M002",
            "name": "营业执照",
            "forms": ["copy"],
            "copy_copies": 1,
            "required": True,
            "source": "government",
            "license_type_code": "CN-LIC-YYZZ",
        },
        {
            "code": "M003",
            "name": "食品安全管理制度",
            "forms": ["electronic"],
            "required": True,
            "source": "applicant",
            "is_key": False,
        },
    ],
    "steps": [
        {"name": "受理", "days": 1},
        {"name": "审查", "days": 3},
        {"name": "制证", "days": 1},
    ],
    "service_objects": ["2"],
    "handling_forms": ["1", "2"],
    "online_depth": ["5"],
    "channels": ["online"],
    "visits": 0,
    "result": {"name": "食品经营许可证", "kind": "license", "license_type_code": "SPJYXKZ"},
    "place": "政务服务中心",
    "hours": "工作日 9:00-17:00",
    "consult_phone": "028-12345",
    "supervise_phone": "028-12315",
    "form": {
        "fields": [
            {"key": "operator_name", "label": "经营者名称", "type": "text", "required": True},
            {"key": "premises", "label": "经营场所", "type": "address", "required": True},
            {
                "key": "categories",
                "label": "经营项目",
                "type": "multiselect",
                "required": True,
                "options": ["预包装食品销售", "热食类食品制售"],
            },
            {"key": "area", "label": "经营面积（平方米）", "type": "number"},
        ]
    },
    "workflow": {
        "steps": [
            {
                "key": "accept",
                "name": "受理",
                "role": "window_clerk",
                "actions": ["accept", "refuse", "request_correction"],
                "days": 1,
            },
            {
                "key": "review",
                "name": "审查",
                "role": "reviewer",
                "actions": ["approve", "reject", "return", "extend"],
                "days": 3,
            },
            {
                "key": "issue",
                "name": "制证送达",
                "role": "window_clerk",
                "actions": ["issue", "deliver"],
                "days": 1,
            },
        ]
    },
}
