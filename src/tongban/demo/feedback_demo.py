"""Demo data of the feedback app for `demo load`: idempotent (look up by natural key, create what is
missing), created through the app's services so the audit log shows it.

- a 12345 knowledge base of 20 common questions in 成都/四川 with answers in the usual 口径
  (national hotlines and rules are real; local details are phrased generally on purpose — a real
  deployment loads the knowledge base of its own 12345 centre);
- hotline tickets of every type and state (answered on the spot, dispatched, returned and
  re-dispatched, replied and called back, a whistle-blower report, a likely duplicate);
- window-visit ratings (QR code) of 锦江区行政审批局 with bad reviews at each stage of handling;
- invitations for the demo citizen's accepted and completed cases (if the cases demo made any).

Callers' names and phone numbers are DEMO VALUES.
"""

from __future__ import annotations

from typing import Any

from tongban.core.models import Department, Region
from tongban.feedback.cases_adapter import invite_recent_cases_for
from tongban.feedback.models import (
    KnowledgeEntry,
    RatingChannel,
    RatingInvitation,
    RatingStage,
    ServiceKind,
    Ticket,
    TicketChannel,
    TicketType,
    Urgency,
)
from tongban.feedback.services import (
    bad_review_reply,
    bad_review_revisit,
    bad_review_verify,
    knowledge_save,
    rating_invite,
    rating_submit,
    ticket_answer,
    ticket_callback,
    ticket_create,
    ticket_dispatch,
    ticket_reply,
    ticket_return,
    ticket_supervise,
)
from tongban.identity.models import User

# (question, answer, keywords, category, region, source)
KNOWLEDGE: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "在成都怎么办理居住证？",
        "在居住地居住半年以上，且有合法稳定就业、合法稳定住所或连续就读条件之一的，可持居民身份证、"
        "居住登记凭证及就业、住所或就读证明，到居住地派出所或社区（村）警务室申领居住证；"
        "也可通过天府通办或“蓉e办”在线申请。居住证每年签注一次。",
        "居住证 暂住证 居住登记",
        "公共安全",
        "510100",
        "《居住证暂行条例》",
    ),
    (
        "社保卡丢了怎么挂失补办？",
        "可拨打12333或通过电子社保卡、天府通办先办理临时挂失，再持本人身份证到社保卡服务网点或合作银行"
        "网点补办；部分网点可即时制卡。补卡工本费按本地规定执行，首次领卡免费。",
        "社保卡 挂失 补办 12333",
        "社会保障",
        "510000",
        "人力资源社会保障部社会保障卡管理规定",
    ),
    (
        "去外省看病怎么办理医保异地就医备案？",
        "参保人可通过国家医保服务平台App、国家异地就医备案小程序、四川医保公共服务平台或参保地医保经办"
        "窗口办理备案。异地长期居住人员和临时外出就医人员均可线上备案，备案后在就医地定点医疗机构"
        "可直接结算。",
        "医保 异地就医 备案 直接结算",
        "社会保障",
        "510000",
        "国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知",
    ),
    (
        "租房可以提取住房公积金吗？",
        "职工本人及配偶在缴存地无自有住房且租赁住房的，可以申请提取住房公积金支付房租。可通过公积金"
        "中心网上服务大厅、手机公积金App或到服务网点办理，具体提取额度以公积金中心规定为准。"
        "也可拨打12329咨询。",
        "公积金 租房 提取 12329",
        "城乡建设",
        "510100",
        "《住房公积金管理条例》第二十四条",
    ),
    (
        "开办个体工商户需要哪些材料？",
        "经营者本人身份证件、经营场所使用证明，通过四川政务服务网“企业开办”或到政务服务中心登记窗口"
        "办理，材料齐全的当场或1个工作日内办结，领取营业执照（含电子营业执照），不收费。",
        "个体工商户 营业执照 企业开办 登记",
        "市场监管",
        "510000",
        "《促进个体工商户发展条例》《市场主体登记管理条例》",
    ),
    (
        "新生儿怎么上户口？",
        "新生儿出生后一个月内，由监护人持出生医学证明、父母双方身份证和户口簿、结婚证（如有）到"
        "父亲或母亲户口所在地派出所申报出生登记。成都已推行“出生一件事”联办，可在线一次申请出生"
        "医学证明、户口登记、医保参保和社保卡。",
        "新生儿 落户 出生登记 出生一件事",
        "公共安全",
        "510100",
        "《中华人民共和国户口登记条例》第七条",
    ),
    (
        "身份证丢了能在外地补办吗？",
        "可以。居民身份证异地受理已实现全国通办，可在现居住地任一公安机关户政窗口补领，需本人到场"
        "采集人像和指纹；丢失后可先到派出所挂失。补领工本费20元。",
        "身份证 补办 异地 跨省通办",
        "公共安全",
        "510000",
        "《中华人民共和国居民身份证法》",
    ),
    (
        "结婚登记需要带户口簿吗？",
        "按2025年修订施行的《婚姻登记条例》，内地居民办理结婚登记只需出具本人有效居民身份证和本人"
        "无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明，不再需要户口簿，并可在"
        "全国任一婚姻登记机关办理。",
        "结婚登记 户口簿 全国通办 婚姻登记",
        "政务服务",
        "510000",
        "《婚姻登记条例》（2025年修订）",
    ),
    (
        "驾驶证到期了怎么换证？",
        "机动车驾驶证有效期满前90日内，持身份证明和县级或部队团级以上医疗机构出具的身体条件证明"
        "（已联网的可免提交），通过“交管12123”App或到车管所、交警服务站办理换证，驾驶证可全国通办。",
        "驾驶证 换证 到期 12123",
        "交通出行",
        "510000",
        "《机动车驾驶证申领和使用规定》",
    ),
    (
        "失业了怎么领失业保险金？",
        "失业前用人单位和本人已缴纳失业保险费满一年、非因本人意愿中断就业、已进行失业登记并有求职要求"
        "的，可通过四川人社App、电子社保卡或到参保地公共就业服务机构申领失业保险金。可拨打12333咨询。",
        "失业金 失业保险 申领 12333",
        "社会保障",
        "510000",
        "《失业保险条例》第十四条",
    ),
    (
        "退休人员领取养老金每年要认证吗？",
        "领取养老金人员每年需进行一次领取资格认证，可通过四川人社App、电子社保卡人脸识别完成，也可到"
        "社区服务站点办理；行动不便的可申请上门认证。系统通过数据比对已认证的，无需重复操作。",
        "养老金 资格认证 退休 人脸识别",
        "社会保障",
        "510000",
        "人力资源社会保障部关于做好社会保险待遇领取资格认证工作的通知",
    ),
    (
        "城乡居民医保怎么缴费？",
        "城乡居民医保按年度缴费，集中缴费期一般为上一年9月至12月。可通过四川税务App、微信或支付宝"
        "中的“四川税务”、银行网点等渠道缴纳。新生儿、新落户人员可随时参保缴费。",
        "城乡居民医保 缴费 参保",
        "社会保障",
        "510000",
        "国家医保局 国家税务总局关于做好城乡居民基本医疗保险工作的通知",
    ),
    (
        "晚上工地施工太吵了找谁？",
        "夜间（22时至次日6时）在噪声敏感建筑物集中区域禁止进行产生噪声的建筑施工作业，因生产工艺要求"
        "或特殊需要必须连续施工的，须取得证明并公告。可拨打12345反映，由属地住建、生态环境或综合执法"
        "部门核查处理；正在发生的可现场取证。",
        "噪音 夜间施工 扰民 工地",
        "环境保护",
        "510100",
        "《中华人民共和国噪声污染防治法》第四十三条",
    ),
    (
        "在网上买到不合格商品怎么投诉？",
        "可通过全国12315平台（12315.cn）、12315热线或小程序投诉，写明商家名称、订单号、问题和诉求，"
        "并上传购物凭证。市场监管部门在规定时限内决定是否受理并组织调解。",
        "网购 投诉 12315 消费者",
        "市场监管",
        "510000",
        "《市场监督管理投诉举报处理暂行办法》",
    ),
    (
        "办理食品经营许可要多久？",
        "材料齐全、符合法定形式的，市场监管部门当场或在承诺时限内作出决定，并核发电子证书；仅销售预包装"
        "食品的实行备案管理，不需要办理许可。具体承诺时限见四川政务服务网该事项办事指南。",
        "食品经营许可 预包装 备案",
        "市场监管",
        "510000",
        "《食品经营许可和备案管理办法》",
    ),
    (
        "个人所得税年度汇算怎么办？",
        "每年3月1日至6月30日办理上一年度综合所得汇算清缴，可通过“个人所得税”App、自然人电子税务局"
        "网页端或委托单位办理。符合免于汇算条件的无需办理。可拨打12366纳税服务热线咨询。",
        "个税 汇算 退税 12366",
        "政务服务",
        "510000",
        "《中华人民共和国个人所得税法》及实施条例",
    ),
    (
        "请不起律师，怎么申请法律援助？",
        "经济困难的公民在追索劳动报酬、请求给付赡养费抚养费、请求工伤赔偿等事项上，可向办理案件的"
        "人民法院所在地或事由发生地的法律援助机构申请法律援助，可拨打12348咨询，也可在线申请。",
        "法律援助 12348 律师",
        "政务服务",
        "510000",
        "《中华人民共和国法律援助法》",
    ),
    (
        "不动产权证书怎么查询？",
        "权利人可持身份证到不动产登记中心查询本人名下的不动产登记信息，也可通过天府通办等平台在线"
        "查询或获取电子证照。利害关系人查询需提供相关证明。",
        "不动产 房产证 查询 登记",
        "城乡建设",
        "510100",
        "《不动产登记暂行条例》",
    ),
    (
        "电子营业执照怎么下载？",
        "企业法定代表人可通过微信、支付宝中的“电子营业执照”小程序，实名验证后下载，并可授权经办人"
        "使用；电子营业执照与纸质执照具有同等法律效力。",
        "电子营业执照 下载 小程序",
        "市场监管",
        "510000",
        "国家市场监督管理总局电子营业执照管理办法（试行）",
    ),
    (
        "12345热线能办理哪些事？",
        "12345政务服务便民热线受理经济调节、市场监管、社会管理、公共服务、生态环境保护等领域的咨询、"
        "求助、投诉、举报和建议，7×24小时人工服务。涉及诉讼、仲裁、纪检监察、行政复议、政府信息公开"
        "等法定途径的，告知您相应渠道；紧急事项请拨打110、119、120、122。",
        "12345 受理范围 热线",
        "其他",
        "510000",
        "国务院办公厅关于进一步优化地方政务服务便民热线的指导意见（国办发〔2020〕53号）",
    ),
)

# (title, type, urgency, region, content, caller name, caller phone, flow, department, extra)
# flow: "answer" (from the knowledge base), "new", "dispatch", "return", "reply", "callback",
# "overdue" (dispatched and supervised).
TICKETS: tuple[tuple[str, str, str, str, str, str, str, str, str, str], ...] = (
    (
        "咨询居住证办理条件",
        TicketType.CONSULT,
        Urgency.NORMAL,
        "510104",
        "我从外地来成都工作半年了，想问一下居住证怎么办，需要什么材料。",
        "刘女士",
        "13880001001",
        "answer",
        "",
        "在成都怎么办理居住证？",
    ),
    (
        "咨询租房提取公积金",
        TicketType.CONSULT,
        Urgency.NORMAL,
        "510105",
        "我在青羊区租房住，没有自己的房子，公积金能不能提出来交房租？",
        "周先生",
        "13880001002",
        "answer",
        "",
        "租房可以提取住房公积金吗？",
    ),
    (
        "春熙路附近工地夜间施工噪音扰民",
        TicketType.COMPLAINT,
        Urgency.URGENT,
        "510104",
        "春熙路附近一处工地连续一周晚上十一点以后还在施工，打桩声音很大，严重影响休息，请尽快处理。",
        "李先生",
        "13880001003",
        "callback",
        "成都市锦江区市场监督管理局",
        "",
    ),
    (
        "春熙路工地晚上还在施工",
        TicketType.COMPLAINT,
        Urgency.NORMAL,
        "510104",
        "春熙路附近那个工地晚上十一点以后还在施工，打桩的声音很大，影响休息。",
        "李先生",
        "13880001003",
        "new",
        "",
        "",
    ),
    (
        "求助：独居老人家中停水",
        TicketType.HELP,
        Urgency.URGENT,
        "510104",
        "我母亲独居在锦江区，家里已经停水两天，她腿脚不便，请帮忙联系物业和供水单位处理。",
        "陈女士",
        "13880001004",
        "dispatch",
        "成都市锦江区民政局",
        "",
    ),
    (
        "举报某餐馆无证经营",
        TicketType.REPORT,
        Urgency.NORMAL,
        "510105",
        "青羊区某街道一家餐馆没有悬挂食品经营许可证，后厨卫生很差，怀疑无证经营。",
        "王先生",
        "13880001005",
        "dispatch",
        "成都市青羊区市场监督管理局",
        "",
    ),
    (
        "建议增加政务服务中心周末窗口",
        TicketType.SUGGESTION,
        Urgency.NORMAL,
        "510104",
        "上班族工作日很难请假办事，建议锦江区政务服务中心周末开放部分窗口，或者延长工作日办理时间。",
        "赵先生",
        "13880001006",
        "return",
        "成都市锦江区市场监督管理局",
        "成都市锦江区行政审批局",
    ),
    (
        "表扬锦江区行政审批局窗口工作人员",
        TicketType.PRAISE,
        Urgency.NORMAL,
        "510104",
        "上周在锦江区政务服务中心办理营业执照，3号窗口的工作人员耐心细致，一次就办好了，特此表扬。",
        "孙女士",
        "13880001007",
        "reply",
        "成都市锦江区行政审批局",
        "",
    ),
    (
        "投诉办理营业执照多次跑腿",
        TicketType.COMPLAINT,
        Urgency.NORMAL,
        "510104",
        "办理营业执照时窗口没有一次性告知需要的材料，我前后跑了三次才办好。",
        "吴先生",
        "13880001008",
        "overdue",
        "成都市锦江区行政审批局",
        "",
    ),
    (
        "咨询结婚登记是否需要户口簿",
        TicketType.CONSULT,
        Urgency.NORMAL,
        "510105",
        "听说现在结婚登记不用户口本了，是真的吗？能在成都登记吗？我们户口都在外省。",
        "郑女士",
        "13880001009",
        "answer",
        "",
        "结婚登记需要带户口簿吗？",
    ),
    (
        "咨询社保卡补办",
        TicketType.CONSULT,
        Urgency.NORMAL,
        "510104",
        "社保卡丢了，怎么挂失，去哪里补办？",
        "黄先生",
        "13880001010",
        "new",
        "",
        "",
    ),
    (
        "渝中区解放碑占道经营",
        TicketType.COMPLAINT,
        Urgency.NORMAL,
        "500103",
        "解放碑步行街附近晚上有流动摊贩占道经营，影响行人通行。",
        "冉先生",
        "13880001011",
        "new",
        "",
        "",
    ),
)

# (reference, level, reasons, comment, anonymous, bad-review stage reached)
WINDOW_RATINGS: tuple[tuple[str, int, list[str], str, bool, str], ...] = (
    ("JJ-CK-20261120-001", 1, ["efficiency", "attitude"], "一次办好，很快。", True, ""),
    ("JJ-CK-20261120-002", 1, ["attitude"], "", True, ""),
    ("JJ-CK-20261120-003", 2, ["skill"], "工作人员很专业。", True, ""),
    ("JJ-CK-20261120-004", 1, [], "", True, ""),
    ("JJ-CK-20261120-005", 2, ["efficiency"], "", True, ""),
    ("JJ-CK-20261120-006", 3, ["waiting"], "排队有点久。", True, ""),
    ("JJ-CK-20261121-001", 1, ["attitude", "skill"], "帮我把材料都核对了一遍。", True, ""),
    ("JJ-CK-20261121-002", 2, [], "", True, ""),
    ("JJ-CK-20261121-003", 4, ["waiting"], "等了一个多小时，只开了两个窗口。", True, "verifying"),
    (
        "JJ-CK-20261121-004",
        5,
        ["runs", "materials"],
        "材料清单和网上指南不一致，跑了两次。",
        False,
        "closed",
    ),
    ("JJ-CK-20261121-005", 4, ["attitude"], "窗口人员回答问题不耐烦。", False, "handling"),
    ("JJ-CK-20261121-006", 1, ["efficiency"], "", True, ""),
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _department(name: str) -> Department | None:
    return Department.objects.filter(name=name).first() if name else None


def _knowledge(desk: User) -> int:
    created = 0
    for question, answer, keywords, category, region_code, source in KNOWLEDGE:
        region = Region.objects.filter(code=region_code).first()
        if (
            region is None
            or KnowledgeEntry.objects.filter(region=region, question=question).exists()
        ):
            continue
        knowledge_save(
            actor=None if region_code == "510000" else desk,
            question=question,
            answer=answer,
            keywords=keywords,
            category=category,
            region=region,
            source=source,
        )
        created += 1
    return created


def _tickets(desk: User, staff: dict[str, User | None]) -> int:
    created = 0
    for title, kind, urgency, region_code, content, name, phone, flow, dept, extra in TICKETS:
        region = Region.objects.filter(code=region_code).first()
        if region is None or Ticket.objects.filter(title=title, region=region).exists():
            continue
        operator = desk if region_code.startswith("5101") else None
        ticket = ticket_create(
            actor=operator,
            ticket_type=kind,
            channel=TicketChannel.PHONE if operator else TicketChannel.WEB,
            title=title,
            content=content,
            region=region,
            caller_name=name,
            caller_phone=phone,
            urgency=urgency,
            category="",
            reported_department=_department("成都市青羊区市场监督管理局")
            if kind == TicketType.REPORT
            else None,
        )
        created += 1
        number = ticket.number
        if flow == "answer":
            entry = KnowledgeEntry.objects.filter(question=extra).first()
            ticket_answer(actor=desk, number=number, answer="", knowledge=entry)
            continue
        department = _department(dept)
        if flow == "new" or department is None:
            continue
        handler = staff.get(dept)
        ticket_dispatch(
            actor=desk, number=number, department=department, note="请按时限办理并答复。"
        )
        if flow == "return" and handler is not None:
            ticket_return(
                actor=handler,
                number=number,
                reason="政务服务中心开放时间由行政审批局统筹安排，不属本单位职责，建议改派锦江区行政审批局。",
            )
            ticket_dispatch(actor=desk, number=number, department=_department(extra) or department)
        elif flow == "overdue":
            ticket_supervise(
                actor=desk, number=number, note="诉求人再次来电催办，请于两个工作日内答复。"
            )
        elif flow in ("reply", "callback") and handler is not None:
            ticket_reply(
                actor=handler,
                number=number,
                reply={
                    TicketType.COMPLAINT: "经现场核查，该工地未取得夜间施工证明，已责令停止夜间施工并依法立案处理。",
                    TicketType.HELP: "已联系社区网格员上门查看，物业已修复供水管道，今日下午恢复供水。",
                    TicketType.PRAISE: "感谢您的肯定，已将表扬转达3号窗口工作人员并在单位内通报。",
                }.get(kind, "已办理。"),
            )
            if flow == "callback":
                ticket_callback(
                    actor=desk, number=number, level=2 if kind == TicketType.COMPLAINT else 1
                )
    return created


def _window_ratings(clerk: User, admin: User | None, citizen: User | None) -> int:
    department = _department("成都市锦江区行政审批局")
    if department is None:
        return 0
    created = 0
    for reference, level, reasons, comment, anonymous, stage in WINDOW_RATINGS:
        if RatingInvitation.objects.filter(kind=ServiceKind.WINDOW, reference=reference).exists():
            continue
        invitation = rating_invite(
            kind=ServiceKind.WINDOW,
            reference=reference,
            stage=RatingStage.VISIT,
            title="锦江区政务服务中心综合受理窗口",
            department=department,
            handler=clerk,
            invitee=None if anonymous else citizen,
        )
        rating = rating_submit(
            invitation=invitation,
            level=level,
            reasons=reasons,
            comment=comment,
            channel=RatingChannel.QRCODE if anonymous else RatingChannel.MOBILE,
            anonymous=anonymous,
            actor=None if anonymous else citizen,
        )
        created += 1
        handler = admin or clerk
        if stage in ("handling", "closed"):
            review = rating.bad_review
            bad_review_verify(
                actor=handler,
                public_id=review.public_id,
                verification="调取窗口服务记录和评价人办件材料核实，情况属实。",
            )
            if stage == "closed":
                bad_review_reply(
                    actor=handler,
                    public_id=review.public_id,
                    outcome="rectify",
                    measures="已修订该事项一次性告知单，与四川政务服务网办事指南逐项核对一致，并组织窗口人员培训。",
                    reply="您反映的材料清单不一致问题属实，我们已完成整改，感谢您的监督。",
                )
                bad_review_revisit(
                    actor=handler,
                    public_id=review.public_id,
                    level=2,
                    note="电话回访，评价人对整改结果表示满意。",
                )
    return created


def load(*, actor: Any) -> int:
    """Create what is missing; return how many objects were created."""
    desk = _user("hotline_chengdu")
    clerk = _user("clerk_jinjiang")
    if desk is None or clerk is None:
        return 0
    staff = {
        "成都市锦江区市场监督管理局": _user("reviewer_jinjiang"),
        "成都市锦江区行政审批局": _user("deptadmin_jinjiang"),
        "成都市青羊区市场监督管理局": None,
    }
    citizen = _user("citizen_zhang")
    created = _knowledge(desk)
    created += _tickets(desk, staff)
    created += _window_ratings(clerk, _user("deptadmin_jinjiang"), citizen)
    if citizen is not None:
        created += invite_recent_cases_for(citizen)
    return created
