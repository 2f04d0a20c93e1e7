"""Test data for the catalog: a realistic, valid service guide (办事指南) to start from.

`guide_content()` is 食品经营许可 exercised at county level (县级): a licence with a legal limit of
20 working days promised in 5, three materials, an online application form and a three-step
workflow. Tests change what they are about with keyword overrides (top-level keys only):

    guide_content(promised_days=30)            # breaks 承诺 ≤ 法定
    guide_content(exercise_level="3", name="…")
"""

from __future__ import annotations

import copy
from typing import Any

_GUIDE: dict[str, Any] = {
    "name": "食品经营许可",
    "item_type": "01",
    "legal_basis": "《中华人民共和国食品安全法》第三十五条：国家对食品生产经营实行许可制度。",
    "exercise_content": "辖区内食品经营者的食品经营许可（含新办、变更、延续、补办、注销）。",
    "power_division": "县级市场监督管理部门负责本辖区食品经营许可。",
    "exercise_level": "4",
    "case_kind": "2",
    "legal_days": 20,
    "legal_days_note": "《食品经营许可和备案管理办法》第二十六条",
    "promised_days": 5,
    "promised_days_note": "材料齐全、符合法定形式的，5个工作日内作出决定。",
    "acceptance_conditions": [
        "申请人已取得营业执照等合法主体资格。",
        "具有与经营的食品品种、数量相适应的经营场所和设施设备。",
        "有专职或者兼职的食品安全管理人员和保证食品安全的规章制度。",
    ],
    "materials": [
        {
            "code": "M001",
            "name": "食品经营许可申请书",
            "forms": ["original", "electronic"],
            "original_copies": 1,
            "copy_copies": 0,
            "required": True,
            "source": "applicant",
            "specification": "A4纸",
            "notes": "法定代表人（负责人）签字并加盖公章。",
            "blank_form_url": "https://example.gov.cn/forms/spjy-sqs.docx",
        },
        {
            "code": "M002",
            "name": "营业执照",
            "forms": ["copy"],
            "copy_copies": 1,
            "required": True,
            "source": "government",
            "issuer": "市场监督管理部门",
            "license_type_code": "11100000000013127D001",
            "notes": "可通过电子证照共享免于提交。",
        },
        {
            "code": "M003",
            "name": "委托代理人身份证明及授权委托书",
            "forms": ["original", "copy"],
            "original_copies": 1,
            "copy_copies": 1,
            "required": False,
            "condition": "委托他人办理的",
            "source": "applicant",
            "is_key": False,
        },
    ],
    "steps": [
        {"name": "申请", "description": "申请人通过窗口或网上提交申请材料。", "days": 0},
        {"name": "受理", "description": "窗口审查材料是否齐全、符合法定形式。", "days": 1},
        {"name": "审查", "description": "对申请材料进行审查，必要时现场核查。", "days": 3},
        {"name": "决定", "description": "作出准予或不予许可的决定并制发证书。", "days": 1},
    ],
    "fees": {"charged": False, "items": []},
    "service_objects": ["2"],
    "person_themes": [],
    "corporate_themes": ["010"],
    "handling_forms": ["1", "2"],
    "online_depth": ["1", "2", "3", "4", "5"],
    "online_url": "https://example.gov.cn/apply/spjyxk",
    "channels": ["online", "mobile"],
    "visits": 0,
    "onsite_reason": "",
    "cross_region": None,
    "quantity_limit": "无数量限制",
    "intermediary_services": "",
    "special_procedures": "现场核查时间不计入办理时限。",
    "result": {"name": "食品经营许可证", "kind": "license", "license_type_code": "SPJYXKZ"},
    "place": "锦江区政务服务中心二楼市场监管窗口",
    "hours": "工作日 9:00-12:00，13:30-17:00",
    "consult_phone": "028-12345",
    "supervise_phone": "028-12315",
    "joint_departments": [],
    "supports_appointment": True,
    "supports_online_payment": False,
    "supports_express": True,
    "faq": [
        {
            "question": "食品经营许可证有效期是多久？",
            "answer": "有效期为5年，期满前90个工作日内申请延续。",
        }
    ],
    "form": {
        "fields": [
            {"key": "operator_name", "label": "经营者名称", "type": "text", "required": True},
            {
                "key": "credit_code",
                "label": "统一社会信用代码",
                "type": "credit_code",
                "required": True,
            },
            {"key": "premises", "label": "经营场所", "type": "address", "required": True},
            {
                "key": "categories",
                "label": "经营项目",
                "type": "multiselect",
                "required": True,
                "options": ["预包装食品销售", "散装食品销售", "热食类食品制售"],
            },
            {"key": "has_agent", "label": "是否委托代理人", "type": "checkbox"},
            {
                "key": "agent_id",
                "label": "代理人公民身份号码",
                "type": "citizen_id",
                "visible_if": {"field": "has_agent", "equals": True},
            },
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


def guide_content(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the 食品经营许可 guide with top-level keys replaced."""
    content = copy.deepcopy(_GUIDE)
    content.update(copy.deepcopy(overrides))
    return content
