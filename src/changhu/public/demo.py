"""Demo content of the public site: the bureau's policy explanations and how-to guides
(Chengdu's rules in plain words), and two consultations left on the site, one still waiting
and one answered by phone.

Idempotent: an article is written once (by its title), the consultations once (by their mark);
articles are written through the service as the demo bureau login, so they are audited.
"""

from __future__ import annotations

from changhu.orgs.models import User
from changhu.public import services
from changhu.public.models import Article, Consultation
from changhu.public.selectors import city_districts

DEMO_MARK = "【演示】"

ARTICLES = [
    (
        "guide",
        10,
        "怎样申请长期护理保险待遇",
        "因年老、疾病、伤残等原因长期失能、生活不能自理的参保人，可以按以下步骤申请。",
        """因年老、疾病、伤残等原因，生活不能自理已持续6个月以上的参保人，可以申请长期护理保险待遇。本人或家属（监护人、委托代理人）都可以代为申请。

## 在哪里申请

- 在手机上通过长护险服务平台线上申请；
- 到商业保险经办机构的服务网点窗口申请；
- 行动不便的，可以请家庭医生或社区的流动受理点协助申请。

## 要准备的材料

1. 参保人的居民身份证（或社会保障卡）；
2. 近期的病历、诊断证明等就医资料；
3. 家属代办的，还要带代办人的身份证。

## 申请之后

1. 经办人员审核材料，材料不全的会告诉您需要补充什么；
2. 受理后安排评估机构上门评估，**至少两名评估人员**到场，家属需要在场；
3. 评估结果经专家确认、公示无异议后，出具评估结论书；
4. 达到重度失能等级的，可以选择照护方式，开始享受待遇。

如对评估结论有异议，可以在收到结论书之日起15日内申请复评。""",
    ),
    (
        "guide",
        20,
        "评估结果公示与异议",
        "达到待遇标准的评估结果要公示5个工作日，对结果有异议可在公示期内提出。",
        """评估结果达到待遇标准的，会在本网站“评估公示”栏目公示，**公示期为5个工作日**。为保护个人隐私，公示时姓名部分隐去，不公开身份证号码、电话和住址。

## 怎样提出异议

对公示的评估结果有异议的，请在公示截止日前拨打页面下方的咨询电话，说明异议的理由。工作人员会登记并核实。

- 异议不成立的，维持原评估结果；
- 异议成立的，重新安排评估。

公示期满且没有未处理的异议，才会出具评估结论书。""",
    ),
    (
        "guide",
        30,
        "怎样选择定点护理机构",
        "享受待遇后，可以在定点护理机构中选择为您提供服务的机构。",
        """享受长期护理保险待遇，需要由与医保部门签订服务协议的**定点护理机构**提供服务。本网站“定点机构”栏目列出的，都是协议在有效期内的机构，可以按所在区（县）和照护方式查询。

## 选择时可以看什么

- 机构能提供哪些照护方式（入住机构、上门服务、亲情照护等）；
- 离家远近、床位数量；
- 先打电话问清楚服务内容和时间安排。

护理员上门服务时会在手机上签到、签退，记录服务时间和地点。对服务有意见的，可以在本网站投诉，也可以拨打咨询电话。""",
    ),
    (
        "policy",
        10,
        "长期护理保险是什么",
        "长期护理保险为长期失能人员的基本生活照料和医疗护理提供保障。",
        """长期护理保险被称为社会保险的“第六险”，主要为长期失能、生活不能自理的参保人提供基本生活照料和与之相关的医疗护理保障。

## 谁能享受

参保人经失能评估，达到**重度失能一级、二级或三级**的，可以按规定享受待遇。评估按国家统一的失能等级评估标准进行，从日常生活活动能力、认知能力、感知觉与沟通能力三个方面综合评定。

## 基金怎么管

长期护理保险基金单独建账、独立核算，坚持以收定支、收支平衡、略有结余。基金的年度收支情况在本网站“基金收支”栏目公开，接受社会监督。""",
    ),
    (
        "policy",
        20,
        "成都市长期护理保险待遇标准解读",
        "待遇分为基础照护待遇和专业照护待遇两部分，按失能等级确定。",
        """成都市的长期护理保险待遇由两部分组成，都按失能等级确定。

## 基础照护待遇

按月定额支付，为月照护费用基数的75%：

- 重度失能一级：每人每月1077元；
- 重度失能二级：每人每月1437元；
- 重度失能三级：每人每月1796元。

## 专业照护待遇

按照护方式支付：

- 入住协议机构或由协议机构上门居家照护的，每月定额支付：一级300元、二级400元、三级500元；
- 个体服务人员居家照护并选社会支持类上门服务的，按实际费用支付，
**每月最高**一级300元、二级400元、三级500元。

## 照护方式

监护人可以为失能人员选择入住机构照护、机构上门居家照护、个体服务人员居家照护等方式，同一天只能享受一种照护方式的待遇。

以上标准以医保部门正式发布的文件为准；具体情况请拨打咨询电话。""",
    ),
]


def _bureau() -> User | None:
    return User.objects.filter(username="bureau", is_active=True).first()


def _articles(bureau: User) -> int:
    made = 0
    for kind, order, title, summary, body in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        services.article_create(
            actor=bureau,
            data=services.ArticleInput(
                kind=kind, title=title, summary=summary, body=body, published=True, order=order
            ),
        )
        made += 1
    return made


def _consultations(bureau: User) -> int:
    if Consultation.objects.filter(question__startswith=DEMO_MARK).exists():
        return 0
    districts = [code for code, _ in city_districts()]
    waiting = services.consultation_submit(
        data=services.ConsultationInput(
            name="周阿姨",
            phone="13900001111",
            question=f"{DEMO_MARK}我母亲今年82岁，中风后一直卧床，请问可以申请长护险吗？要去哪里办？",
            district=districts[0] if districts else "",
        ),
        source_key="demo",
    )
    answered = services.consultation_submit(
        data=services.ConsultationInput(
            name="陈先生",
            phone="13900002222",
            question=f"{DEMO_MARK}父亲已经评上重度失能二级，住在养老院，每个月能报多少？",
        ),
        source_key="demo",
    )
    services.consultation_reply(
        actor=bureau,
        consultation_id=answered.pk,
        reply="已电话告知：基础照护待遇每月1437元；入住协议机构的，专业照护待遇每月400元。",
        channel="phone",
    )
    return 2 if waiting else 1


def seed_public_demo() -> str:
    bureau = _bureau()
    if bureau is None:
        return "public demo: skipped (no bureau login)"
    articles = _articles(bureau)
    consultations = _consultations(bureau)
    return f"public demo: {articles} articles, {consultations} consultations"
