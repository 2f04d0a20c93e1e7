"""Demo data of the cases app for `demo load`: a few dozen cases of 张晓燕 (citizen_zhang), of
李建国's company (agent_li) and at the 锦江区 / 青羊区 windows, in every stage — awaiting
acceptance, 补正, in review (claimed and not), 特别程序, 容缺, approved, 办结 with an e-license,
mailed, not accepted, withdrawn, drafts, one 跨省通办 case received in 锦江区 for 重庆市渝中区, a
一件事 where the region offers all its matters, a 秒批 item, a service hall with appointment slots.

Idempotent: nothing is created when citizen_zhang already has cases. Everything goes through the
cases services (the audit log shows it); a scenario the demo catalog cannot support (an item
missing) is skipped, not faked."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from typing import Any

from tongban.cases.models import Case
from tongban.cases.selectors import material_choices
from tongban.cases.services import apply, appointments, bundles, instant, lifecycle
from tongban.catalog.guide_schema import GuideContent
from tongban.catalog.models import ImplementationItem, ItemStatus
from tongban.core.errors import DomainError
from tongban.core.models import Region
from tongban.core.workdays import local_today
from tongban.identity.models import User
from tongban.licenses import services as license_services
from tongban.licenses.models import IssuerKey, KeyStatus

logger = logging.getLogger("tongban.demo.cases")

# A one-page PDF (the demo's stand-in for scanned materials).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _item(region: str, name: str) -> ImplementationItem | None:
    return (
        ImplementationItem.objects.filter(region_id=region, name=name, status=ItemStatus.ACTIVE)
        .select_related("published_version")
        .first()
    )


def _guide(item: ImplementationItem) -> GuideContent:
    from tongban.catalog.guide_schema import parse_guide

    return parse_guide(item.published_version.content, stored=True)


def _form_for(guide: GuideContent, user: User, company: Any) -> dict[str, Any]:
    return _values_for(guide.form.fields, user, company)


def _values_for(fields: list[Any], user: User, company: Any) -> dict[str, Any]:
    """Realistic values for every field of a form, from the applicant's own data."""
    today = local_today()
    known = {
        "applicant_name": user.real_name,
        "citizen_id": user.id_number,
        "phone": user.phone,
        "contact_name": user.real_name,
        "org_name": company.name if company else "",
        "company_name": company.name if company else "",
        "credit_code": company.credit_code if company else "",
        "company": company.name if company else "",
        "home_address": user.address,
        "residence_address": user.address,
        "premises": "四川省成都市锦江区春熙路街道总府路2号",
        "domicile": "四川省成都市锦江区春熙路街道总府路2号",
        "business_scope": "餐饮服务；预包装食品销售",
    }
    data: dict[str, Any] = {}
    for f in fields:
        if f.visible_if:
            continue
        if known.get(f.key):
            data[f.key] = known[f.key]
        elif f.type in ("select",):
            data[f.key] = f.options[0]
        elif f.type == "multiselect":
            data[f.key] = [f.options[0]]
        elif f.type == "checkbox":
            data[f.key] = False
        elif f.type == "number":
            data[f.key] = 2
        elif f.type == "date":
            data[f.key] = (today - timedelta(days=20)).isoformat()
        elif f.type == "citizen_id":
            data[f.key] = user.id_number
        elif f.type == "credit_code" and company:
            data[f.key] = company.credit_code
        elif f.type == "phone":
            data[f.key] = user.phone
        elif f.type == "region":
            data[f.key] = "510104"
        elif f.type == "email":
            data[f.key] = "zhang.xiaoyan@example.cn"
        elif f.type in ("text", "textarea", "address"):
            data[f.key] = user.address if f.type == "address" else f"{f.label}（演示）"[:40]
    return data


def _fill_materials(case: Case, actor: User, *, skip: set[str] = frozenset()) -> None:
    """Authorize an e-license / shared data where a source offers one, upload the rest."""
    for choice in material_choices(actor, case):
        m = choice.material
        if m.code in skip or (not m.required and m.code not in {"m2"}):
            continue
        if choice.offers:
            offer = choice.offers[0]
            try:
                apply.case_material_authorize(
                    actor=actor,
                    case=case,
                    code=m.code,
                    source=offer.source,
                    reference=offer.reference,
                )
                continue
            except DomainError:
                pass
        apply.case_material_upload(
            actor=actor,
            case=case,
            code=m.code,
            file_name=f"{m.name}.pdf",
            content=DEMO_PDF,
            content_type="application/pdf",
        )


def _draft(
    actor: User, item: ImplementationItem, *, company: Any = None, skip: set[str] = frozenset()
) -> Case:
    form = _form_for(_guide(item), actor, company)
    case = apply.case_draft_create(
        actor=actor, item_code=item.code, legal_person=company, form_data=form
    )
    _fill_materials(case, actor, skip=skip)
    case.refresh_from_db()
    return case


def _submit(actor: User, case: Case, **kwargs: Any) -> Case:
    return apply.case_submit(actor=actor, case=case, **kwargs).case


def _ensure_signing_key(case: Case) -> None:
    """An approved case's e-license is signed by its handling body: give a demo body without a
    key one (the licenses demo keys only the bodies of its own sample licenses)."""
    if case.handling_body_id is None:
        return
    if IssuerKey.objects.filter(body_id=case.handling_body_id, status=KeyStatus.ACTIVE).exists():
        return
    license_services.issuer_key_generate(actor=None, body=case.handling_body, algorithm="SM2-SM3")


def _fresh(case: Case) -> Case:
    case.refresh_from_db()
    return case


class _Demo:
    def __init__(self, actor: Any) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=[
                    "citizen_zhang",
                    "agent_li",
                    "agent_wang",
                    "clerk_jinjiang",
                    "clerk_qingyang",
                    "reviewer_jinjiang",
                    "deptadmin_jinjiang",
                    "admin_sichuan",
                ]
            ).select_related("legal_person")
        }
        self.zhang = users["citizen_zhang"]
        self.li = users["agent_li"]
        self.wang = users.get("agent_wang")
        self.company = self.li.legal_person
        self.clerk = users["clerk_jinjiang"]
        self.clerk_qy = users["clerk_qingyang"]
        self.reviewer = users["reviewer_jinjiang"]
        self.admin = users.get("admin_sichuan") or actor
        self.created = 0

    def run(self, label: str, fn: Any) -> None:
        try:
            fn()
        except (DomainError, KeyError, AttributeError) as exc:
            logger.warning("demo.cases.skipped %s: %s", label, exc)

    # The flows ----------------------------------------------------------------------------------

    def decide(self, case: Case, reviewer: User, *, deny: bool = False) -> Case:
        case = lifecycle.case_accept(
            actor=self._clerk_for(case), case=case, opinion="材料齐全，予以受理"
        )
        if deny:
            lifecycle.case_deny(
                actor=self._reviewer_for(case, reviewer),
                case=case,
                reason="申请人提交的居住证明与实际居住情况不符",
                legal_basis="《中华人民共和国行政许可法》第三十八条",
            )
        else:
            lifecycle.case_approve(
                actor=self._reviewer_for(case, reviewer), case=case, opinion="经审查，符合法定条件"
            )
            _ensure_signing_key(case)
        return _fresh(case)

    def _clerk_for(self, case: Case) -> User:
        return self.clerk_qy if case.handling_region_id == "510105" else self.clerk

    def _reviewer_for(self, case: Case, reviewer: User) -> User:
        from tongban.cases.services.common import current_step, staff_covers_case

        step = current_step(case)
        role = step.role if step else "reviewer"
        if role == "window_clerk":
            return self._clerk_for(case)
        if staff_covers_case(reviewer, case, roles=[role]):
            return reviewer
        return self.admin  # no demo reviewer in that department: the platform administrator

    def citizen_cases(self) -> None:
        z = self.zhang
        jj = {
            n: _item("510104", n)
            for n in (
                "居民身份证换领",
                "无犯罪记录证明",
                "户口迁移",
                "社会保障卡申领",
                "普通护照签发",
                "往来港澳通行证签发",
                "异地就医备案",
                "基本医疗保险参保登记",
                "不动产转移登记",
                "居民身份证补领",
                "不动产登记资料查询",
            )
        }
        qy = {n: _item("510105", n) for n in ("居民身份证补领", "社会保障卡申领", "无犯罪记录证明")}

        def delivered() -> None:
            case = self.decide(_submit(z, _draft(z, jj["普通护照签发"])), self.reviewer)
            lifecycle.case_complete(actor=self.clerk, case=case, opinion="证件已制发")
            self.created += 1

        def immediate() -> None:
            case = self.decide(_submit(z, _draft(z, jj["社会保障卡申领"])), self.reviewer)
            lifecycle.case_complete(actor=self.clerk, case=case)
            self.created += 1

        def in_review() -> None:
            case = _submit(z, _draft(z, jj["无犯罪记录证明"]))
            lifecycle.case_accept(actor=self.clerk, case=case, opinion="材料齐全")
            self.created += 1

        def correction() -> None:
            case = _submit(z, _draft(z, jj["户口迁移"]))
            lifecycle.case_request_correction(
                actor=self.clerk,
                case=case,
                items=[
                    {"code": "m1", "reason": "身份证照片页不清晰，请重新上传彩色扫描件"},
                    {"code": "form.reason", "reason": "请写明迁移原因（投靠、购房、工作调动等）"},
                ]
                if "reason" in (_fresh(case).form_data)
                else [{"code": "m1", "reason": "身份证照片页不清晰，请重新上传彩色扫描件"}],
                note="请一次性补齐以上材料后重新提交。",
            )
            self.created += 1

        def awaiting() -> None:
            _submit(z, _draft(z, jj["居民身份证换领"]))
            _submit(z, _draft(z, qy["居民身份证补领"]))
            self.created += 2

        def suspended() -> None:
            case = _submit(z, _draft(z, jj["往来港澳通行证签发"]))
            case = lifecycle.case_accept(actor=self.clerk, case=case)
            lifecycle.case_suspend(
                actor=self._reviewer_for(case, self.reviewer),
                case=case,
                reason_kind="onsite_check",
                reason="需核实申请人户籍信息，派员实地核查",
            )
            self.created += 1

        def drafts_and_withdrawn() -> None:
            _draft(z, jj["异地就医备案"], skip={"m1"})
            case = _submit(z, _draft(z, jj["基本医疗保险参保登记"]))
            apply.case_withdraw(actor=z, case=case, reason="已在单位参保，无需个人办理")
            self.created += 2

        def not_accepted() -> None:
            case = _submit(z, _draft(z, jj["不动产转移登记"]))
            lifecycle.case_not_accept(
                actor=self.clerk,
                case=case,
                reason="该不动产存在查封登记，依法不能办理转移登记",
                legal_basis="《不动产登记暂行条例》第二十二条",
            )
            self.created += 1

        def tolerated() -> None:
            item = qy["社会保障卡申领"]
            case = _draft(z, item, skip={"m2"})
            case = _submit(z, case, request_tolerance=True)
            lifecycle.case_accept(
                actor=self.clerk_qy,
                case=case,
                opinion="容缺受理：近期免冠照片可于5个工作日内补交",
                tolerated=["m2"],
                tolerated_days=5,
            )
            self.created += 1

        def denied_and_mailed() -> None:
            case = self.decide(
                _submit(z, _draft(z, qy["无犯罪记录证明"])), self.reviewer, deny=True
            )
            case = lifecycle.case_complete(actor=self.clerk_qy, case=case)
            lifecycle.case_deliver(
                actor=self.clerk_qy,
                case=case,
                method="mail",
                carrier="中国邮政EMS",
                tracking_number="1187654321099",
                address=z.address,
            )
            self.created += 1

        for label, fn in (
            ("delivered", delivered),
            ("immediate", immediate),
            ("in_review", in_review),
            ("correction", correction),
            ("awaiting", awaiting),
            ("suspended", suspended),
            ("drafts", drafts_and_withdrawn),
            ("not_accepted", not_accepted),
            ("tolerated", tolerated),
            ("denied", denied_and_mailed),
        ):
            self.run(label, fn)

    def more_cases(self) -> None:
        """More work in both windows' queues."""
        plan = (
            (self.zhang, "510105", "居民身份证换领", "submit"),
            (self.zhang, "510105", "户口迁移", "accept"),
            (self.wang or self.zhang, "510104", "居民身份证补领", "submit"),
            (self.zhang, "510105", "普通护照签发", "accept"),
            (self.zhang, "510104", "不动产登记资料查询", "complete"),
            (self.zhang, "510105", "往来港澳通行证签发", "submit"),
            (self.zhang, "510104", "个体工商户设立登记", "accept"),
        )
        for user, region, name, goal in plan:
            item = _item(region, name)

            def one(user: User = user, item: Any = item, goal: str = goal) -> None:
                case = _submit(user, _draft(user, item))
                if goal in ("accept", "complete"):
                    case = lifecycle.case_accept(actor=self._clerk_for(case), case=case)
                if goal == "complete":
                    lifecycle.case_approve(actor=self._reviewer_for(case, self.reviewer), case=case)
                    lifecycle.case_complete(actor=self._clerk_for(case), case=_fresh(case))
                self.created += 1

            self.run(f"more:{name}", one)

    def company_cases(self) -> None:
        li, company = self.li, self.company
        if company is None:
            return
        remove = _item("510104", "经营异常名录移出")
        archive = _item("510104", "企业登记档案查询")
        setup = _item("510105", "企业设立登记")

        def claimed() -> None:
            case = _submit(li, _draft(li, remove, company=company))
            case = lifecycle.case_accept(actor=self.clerk, case=case)
            lifecycle.case_claim(actor=self.reviewer, case=case)
            self.created += 1

        def archive_done() -> None:
            case = self.decide(_submit(li, _draft(li, archive, company=company)), self.reviewer)
            lifecycle.case_complete(actor=self.clerk, case=case)
            self.created += 1

        def agent_submitted() -> None:
            agent = self.wang or li
            _submit(agent, _draft(agent, setup, company=company))
            self.created += 1

        for label, fn in (
            ("claimed", claimed),
            ("archive", archive_done),
            ("agent", agent_submitted),
        ):
            self.run(label, fn)

    def window_cases(self) -> None:
        """跨省通办: 张晓燕 asks at the 锦江区 window for a 重庆市渝中区 matter (异地代收代办)."""
        item = _item("500103", "社会保障卡补换")

        def cross() -> None:
            form = _form_for(_guide(item), self.zhang, None)
            case = apply.case_create_at_window(
                actor=self.clerk, item_code=item.code, applicant=self.zhang, form_data=form
            )
            _fill_materials(case, self.clerk)
            case = _submit(self.clerk, _fresh(case))
            lifecycle.case_accept(
                actor=self.clerk, case=case, opinion="异地代收，材料已核验，转渝中区办理"
            )
            self.created += 1

        self.run("cross_region", cross)

    def bundle_case(self) -> None:
        def start() -> None:
            parent = bundles.bundle_case_start(
                actor=self.zhang, bundle_code="YJS-GJ-009", region_code="510104"
            )
            self.created += 1
            form = _values_for(bundles.bundle_form_fields(parent), self.zhang, None)
            bundles.bundle_draft_save(actor=self.zhang, case=parent, form_data=form)

        self.run("bundle", start)

    def instant_item(self) -> None:
        item = _item("510105", "异地就医备案")

        def rule() -> None:
            instant.instant_rule_save(
                actor=self.admin,
                item=item,
                name="已实名参保人员异地就医备案即时办结",
                conditions=[
                    {"field": "citizen_id", "op": "present"},
                    {"field": "phone", "op": "present"},
                ],
                decision_text="准予异地就医备案，备案有效期内在就医地定点医疗机构直接结算。",
            )
            instant.item_policy_save(actor=self.admin, item=item, instant_enabled=True)
            _submit(self.zhang, _draft(self.zhang, item))
            self.created += 2

        self.run("instant", rule)

    def hall(self) -> None:
        def make() -> None:
            region = Region.objects.get(code="510104")
            hall = appointments.service_hall_create(
                actor=self.clerk,
                region=region,
                name="锦江区政务服务中心",
                address="成都市锦江区锦华路一段88号",
                hours="工作日 9:00-12:00，13:30-17:30",
                phone="028-86658000",
            )
            start = local_today() + timedelta(days=1)
            appointments.appointment_slots_generate(
                actor=self.clerk,
                hall=hall,
                start=start,
                days=14,
                times=[
                    (time(9), time(10)),
                    (time(10), time(11)),
                    (time(14), time(15)),
                    (time(15), time(16)),
                ],
                capacity=5,
            )
            slot = hall.slots.order_by("date", "start").first()
            item = _item("510104", "普通护照签发")
            if slot is not None and item is not None:
                appointments.appointment_book(actor=self.zhang, slot=slot, item=item)
            self.created += 1

        self.run("hall", make)


def load(*, actor: Any) -> int:
    """Create what is missing; return how many objects were created."""
    zhang = User.objects.filter(username="citizen_zhang").first()
    if zhang is None or Case.objects.filter(applicant=zhang).exists():
        return 0
    if not ImplementationItem.objects.filter(region_id="510104", status=ItemStatus.ACTIVE).exists():
        return 0  # no demo catalog (TONGBAN_DEMO_CATALOG off): nothing to apply for
    demo = _Demo(actor)
    demo.citizen_cases()
    demo.more_cases()
    demo.company_cases()
    demo.window_cases()
    demo.bundle_case()
    demo.instant_item()
    demo.hall()
    _ = date  # dates are relative to today: the demo always shows current deadlines
    return demo.created
