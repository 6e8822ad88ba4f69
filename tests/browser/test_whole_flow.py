"""The whole flow in a browser, each step done on its pages by the role that does it.

A person is registered and applies at the counter; the case is accepted, dispatched and
assessed on site; two experts confirm; the case worker reviews, the publicity period runs out
and the daily job closes it; the conclusion letter is issued. Benefits open, the institution's
care plan is confirmed at the counter and a caregiver assigned; she visits with her phone;
the month is screened, claimed, reviewed twice and paid; the payment is in the fund's ledger.

Nothing but pages: no API calls, no service shortcuts. The fixtures are the shipped presets
and the base demo city (organizations and demo logins), so the institution is designated and
its caregiver registered through the pages too. The clock is moved with time_machine
(``tests.clock.on``; the live server runs in a thread of this process) past the publicity
period and into the next month; what the background worker does is run in-process
(``run_worker_once``: ``changhu worker --once``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from changhu.assessment.models import Application, Status
from changhu.assessment.presets import scale_for
from changhu.assessment.tests.conftest import answers_for, png_bytes
from changhu.core import clock
from changhu.core.identity import make_id_number
from changhu.orgs import demo
from changhu.orgs.models import Organization, User
from changhu.orgs.presets import run_preset_loaders
from changhu.settlement.models import ClaimLine
from changhu.visits import rulesets
from changhu.visits.models import Finding, ScreeningRun, Visit
from tests.clock import SHANGHAI, on
from tests.factories import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTITUTION = "蓉城安康居家护理服务中心"
ASSESSMENT_INSTITUTION = "成都市锦城长护评估中心"
# The beneficiary's home, in Qingyang district (WGS-84); the phone stands at the door.
HOME = {"latitude": 30.674612, "longitude": 104.056031}
PERSON = SimpleNamespace(
    name="郑桂兰",
    id_number=make_id_number("510105", dt.date(1941, 4, 18), 126),
    phone="13980012345",
    address="成都市青羊区草堂路18号3栋2单元401室",
)
CAREGIVER = SimpleNamespace(
    name="马秀芳",
    id_number=make_id_number("510105", dt.date(1968, 9, 2), 222),
    phone="13908176543",
)


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def demo_city(settings, tmp_path):
    """The shipped presets (``changhu load-presets``) and the base demo city (``changhu
    seed-demo``'s organizations and logins, no generated persons); uploads in a temp dir."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    rulesets.clear_cache()
    run_preset_loaders()
    demo.seed_demo(persons=0)
    add_second_expert()
    designate_assessment_institution()
    yield
    rulesets.clear_cache()


def add_second_expert() -> None:
    """The demo login ``expert2``: a second expert at the first assessment institution, as the
    assessment demo seeder adds it (that seeder also creates demo cases, which we do not want)."""
    from changhu.assessment.demo import EXTRA_USERS

    username, role, real_name, org_name = next(u for u in EXTRA_USERS if u[0] == "expert2")
    user = User(
        username=username,
        role=role,
        real_name=real_name,
        organization=Organization.objects.get(name=org_name),
    )
    user.set_password(demo.DEMO_PASSWORD)
    user.save()


def designate_assessment_institution() -> None:
    """The demo's assessment institution designated (an agreement in force) and its assessor
    and experts registered as qualified assessors, as the providers demo seeder does: only
    such an institution is offered for dispatch and only such people for a team."""
    from changhu.providers.demo import designate_assessment_demo

    org = Organization.objects.get(name=ASSESSMENT_INSTITUTION)
    designate_assessment_demo(org, list(User.objects.filter(organization=org).order_by("pk")))


class Desks:
    """A signed-in browser context per person (their own cookies, as at their own desk or
    phone), reused while the clock stands; moving the clock days ahead ends the sessions, so
    :meth:`leave` closes them all and the next step signs in again."""

    def __init__(self, browser, base: str, screenshot):
        self.browser = browser
        self.base = base
        self.shot = screenshot  # saves a page for a human to look at (CHANGHU_SCREENSHOT_DIR)
        self.open: dict[tuple[str, bool], object] = {}
        self.errors: list[str] = []

    def __call__(self, username: str, *, phone: bool = False):
        key = (username, phone)
        if key not in self.open:
            self.open[key] = self._sign_in(username, phone=phone)
        return self.open[key].pages[0]

    def _sign_in(self, username: str, *, phone: bool):
        options = {"locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}
        if phone:
            options.update(
                viewport={"width": 360, "height": 740},
                geolocation={**HOME, "accuracy": 15},
                permissions=["geolocation"],
                is_mobile=True,
                has_touch=True,
            )
        context = self.browser.new_context(**options)
        if phone:  # the phone's own clock agrees with the server's (it sends its time)
            context.clock.install(time=clock.now())
        page = context.new_page()
        page.set_default_timeout(20_000)

        def on_console(message) -> None:
            if message.type == "error" and not re.search(r"status of (422|409)\b", message.text):
                self.errors.append(f"{username}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"{username}: {exc}"))
        page.questions = []  # what data-confirm asked; the person agrees to each

        def on_dialog(dialog) -> None:
            page.questions.append(dialog.message)
            dialog.accept()

        page.on("dialog", on_dialog)
        page.goto(f"{self.base}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        expect(page.get_by_test_id("current-user")).to_be_visible()
        return context

    def leave(self) -> None:
        for context in self.open.values():
            context.close()
        self.open.clear()


@pytest.fixture
def desks(browser, live_server, screenshot):
    desks = Desks(browser, live_server.url, screenshot)
    yield desks
    desks.leave()
    # Connections opened while Playwright's loop ran live in its context: close them here, or
    # PostgreSQL still has a session on the test database when pytest-django drops it.
    connections.close_all()


def post(page, locator) -> None:
    """Click a button that posts a form and wait for the page that answers it."""
    with page.expect_navigation():
        locator.click()


def nav(page, label: str) -> None:
    with page.expect_navigation():
        page.locator(".ch-sidebar").get_by_role("link", name=label, exact=True).click()


def success(page, text: str) -> None:
    expect(page.locator(".alert-success").first).to_contain_text(text)


def run_worker_once() -> None:
    """``changhu worker --once`` in this process: the daily jobs not yet run today (the
    assessment deadlines among them) and the queued screening and settlement runs."""
    out = io.StringIO()
    call_command("worker", once=True, workers=1, stdout=out, stderr=out)
    assert "失败" not in out.getvalue(), out.getvalue()


def leave_polling_page(page) -> None:
    """Go to the home page while the worker runs. A run's row polls its progress every two
    seconds; on SQLite the test database is shared in memory, where a read that meets the
    worker's write transaction fails at once ("table is locked") instead of waiting as it
    would on a database file, so nobody watches the bar during the run."""
    nav(page, "工作台")


def open_case(page, base: str, case: Application) -> None:
    page.goto(f"{base}/assessment/{case.pk}/")
    page.get_by_test_id("case-status").wait_for()


def image(name: str, seed: int) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed)}


# --- step 0: the institution is designated and registers its caregiver ----------------------


def designate_institution(sign_in, base: str) -> None:
    careadmin = sign_in("careadmin")
    nav(careadmin, "定点护理机构")
    with careadmin.expect_navigation():
        careadmin.get_by_role("link", name="提交准入申请").first.click()
    uscc = Organization.objects.get(name=INSTITUTION).uscc  # the admin knows their own code
    careadmin.get_by_label("统一社会信用代码").fill(uscc)
    careadmin.get_by_label("机构类别").select_option(label="社区居家上门服务机构")
    careadmin.get_by_label("所在区县").select_option(label="青羊区")
    careadmin.get_by_label("地址", exact=True).fill("成都市青羊区清江东路78号")
    careadmin.get_by_label("床位数").fill("0")
    careadmin.get_by_label("机构上门居家照护").check()
    careadmin.get_by_label("从业人员数").fill("30")
    careadmin.get_by_label("护士数").fill("4")
    careadmin.get_by_label("护理员数").fill("22")
    careadmin.get_by_label("联系人").fill("孙丽华")
    careadmin.get_by_label("联系电话", exact=True).fill("02887654321")
    careadmin.get_by_label("申请材料").fill("营业执照（副本）\n服务场所证明")
    post(careadmin, careadmin.get_by_role("button", name="提交申请"))
    success(careadmin, "定点护理机构准入申请已提交")

    bureau = sign_in("bureau")
    bureau.goto(f"{base}/providers/admissions/")
    with bureau.expect_navigation():
        bureau.get_by_role("link", name=INSTITUTION).click()
    post(bureau, bureau.get_by_role("button", name="开始审核"))
    success(bureau, "已开始审核")
    approve = bureau.locator("form", has=bureau.get_by_role("button", name="准入", exact=True))
    today = clock.today()
    approve.get_by_label("签订日期").fill(today.isoformat())
    approve.get_by_label("协议起始日").fill(today.isoformat())
    approve.get_by_label("协议终止日").fill(today.replace(year=today.year + 3).isoformat())
    post(bureau, approve.get_by_role("button", name="准入", exact=True))
    success(bureau, "已准入并签订服务协议")


def register_caregiver(sign_in) -> None:
    careadmin = sign_in("careadmin")
    nav(careadmin, "护理员")
    with careadmin.expect_navigation():
        careadmin.get_by_role("link", name="登记护理员").click()
    careadmin.get_by_label("类别", exact=True).select_option(label="机构护理员")
    careadmin.get_by_label("姓名", exact=True).fill(CAREGIVER.name)
    careadmin.get_by_label("身份证号码", exact=True).fill(CAREGIVER.id_number)
    careadmin.get_by_label("手机号码").fill(CAREGIVER.phone)
    careadmin.get_by_label("资质", exact=True).select_option(label="护理员")
    today = clock.today()
    careadmin.get_by_label("入职/登记日期").fill(f"{today.year - 3}-03-01")
    post(careadmin, careadmin.get_by_role("button", name="登记", exact=True))
    expect(careadmin.locator("h1")).to_contain_text(CAREGIVER.name)

    certificate = careadmin.locator("form", has_text="登记证书")
    certificate.get_by_label("证书类别").select_option(
        label="养老护理员/医疗护理员职业技能等级证书"
    )
    certificate.get_by_label("证书编号").fill("YL510105230301")
    certificate.get_by_label("发证机关").fill("成都市人力资源和社会保障局")
    certificate.get_by_label("发证日期").fill(f"{today.year - 3}-02-10")
    certificate.get_by_label("有效期至").fill(f"{today.year + 5}-02-09")
    post(careadmin, certificate.get_by_role("button", name="保存"))
    success(careadmin, "已保存")

    # Her phone login: the demo login ``caregiver`` of the institution, linked with its password.
    account = careadmin.locator("form", has_text="开通手机端账号")
    account.get_by_label("登录名").fill("caregiver")
    post(careadmin, account.get_by_test_id("account-open"))
    expect(careadmin.locator("body")).to_contain_text("caregiver")


# --- steps 1-5: from registration to the conclusion letter ----------------------------------


def register_and_apply(sign_in, base: str) -> Application:
    caseworker = sign_in("caseworker")
    nav(caseworker, "参保人")
    with caseworker.expect_navigation():
        caseworker.get_by_role("link", name="登记参保人").click()
    caseworker.get_by_label("姓名").fill(PERSON.name)
    caseworker.get_by_label("身份证号码").fill(PERSON.id_number)
    caseworker.get_by_label("联系电话").fill(PERSON.phone)
    caseworker.get_by_label("居住地址").fill(PERSON.address)
    caseworker.get_by_label("区县").select_option(label="青羊区")
    street = caseworker.get_by_label("街道/乡镇")
    street.locator("option", has_text="街道").first.wait_for(state="attached")
    street.select_option(index=1)
    caseworker.get_by_label("纬度（WGS-84）").fill(str(HOME["latitude"]))
    caseworker.get_by_label("经度（WGS-84）").fill(str(HOME["longitude"]))
    caseworker.get_by_label("居民").check()
    enrolled = clock.today().replace(month=1, day=1) - dt.timedelta(days=3 * 365)
    caseworker.get_by_label("参保起始日").fill(enrolled.isoformat())
    post(caseworker, caseworker.get_by_role("button", name="登记", exact=True))
    success(caseworker, f"已登记参保人：{PERSON.name}")

    nav(caseworker, "失能评估")
    with caseworker.expect_navigation():
        caseworker.get_by_role("link", name="登记评估申请").click()
    # The person just registered, found by the ID number the family brought.
    caseworker.get_by_role("combobox", name="被评估人", exact=False).and_(
        caseworker.locator("[data-picker] input")
    ).fill(PERSON.id_number)
    caseworker.get_by_role("option", name=PERSON.name).click()
    expect(caseworker.get_by_text(f"已选：{PERSON.name}")).to_be_visible()
    caseworker.get_by_label("申请人姓名").fill("郑小红")
    caseworker.get_by_label("与被评估人关系").select_option(label="子女")
    caseworker.get_by_label("联系电话").fill("13812345678")
    caseworker.get_by_label("照护地址（上门评估地址）").fill(PERSON.address)
    caseworker.get_by_label("申请理由").fill("脑卒中后遗症，卧床一年，生活不能自理")
    post(caseworker, caseworker.get_by_role("button", name="登记申请"))
    expect(caseworker.get_by_test_id("case-status")).to_have_text("待受理")
    return Application.objects.get(person__name=PERSON.name)


def accept_dispatch_and_team(sign_in, base: str, case: Application) -> None:
    caseworker = sign_in("caseworker")
    open_case(caseworker, base, case)
    post(caseworker, caseworker.get_by_test_id("accept"))
    expect(caseworker.get_by_test_id("case-status")).to_have_text("待派单")
    caseworker.get_by_label("评估机构").select_option(label=ASSESSMENT_INSTITUTION)
    post(caseworker, caseworker.get_by_test_id("dispatch"))
    expect(caseworker.get_by_test_id("case-status")).to_have_text("待指派评估人员")

    assessor = sign_in("assessor")
    open_case(assessor, base, case)
    team = assessor.get_by_test_id("team-form")
    team.get_by_label(re.compile("吴海燕")).check()
    team.get_by_label(re.compile("郑国华")).check()
    post(assessor, assessor.get_by_test_id("assign"))
    expect(assessor.get_by_test_id("case-status")).to_have_text("待现场评估")


def assess_on_site(sign_in, base: str, case: Application, tmp_path) -> None:
    assessor = sign_in("assessor")
    open_case(assessor, base, case)
    post(assessor, assessor.get_by_test_id("fill-form"))
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes())
    assessor.locator("#id_photo").set_input_files(str(photo))
    assessor.get_by_role("button", name="上传照片").click()  # uploaded in place (htmx)
    expect(assessor.locator("body")).to_contain_text("现场照片.png")
    answers = answers_for(scale_for("national-2021").scale, adl=35, cognition=8, perception=9)
    for legend, points in answers.items():
        assessor.locator(f'fieldset[data-item="{legend}"] input[value="{points}"]').check()
    expect(assessor.get_by_test_id("live-grade")).to_have_text("重度失能Ⅱ级")
    started = clock.now().astimezone(SHANGHAI) - dt.timedelta(hours=1)
    assessor.get_by_label("评估开始时间").fill(f"{started:%Y-%m-%dT%H:%M}")
    ended = started + dt.timedelta(minutes=45)
    assessor.get_by_label("评估结束时间").fill(f"{ended:%Y-%m-%dT%H:%M}")
    assessor.get_by_label("纬度").fill(str(HOME["latitude"]))
    assessor.get_by_label("经度").fill(str(HOME["longitude"]))
    assessor.get_by_label("监护人/代理人在场").check()
    assessor.get_by_label("在场监护人/代理人姓名").fill("郑小红")
    assessor.get_by_label("现场录像编号/存储位置").fill("VID-QY-0001")
    present = assessor.locator('input[name="present_ids"]')
    for index in range(present.count()):
        present.nth(index).check()
    # Every change re-scored the form (htmx); let those requests finish before submitting.
    assessor.wait_for_load_state("networkidle")
    post(assessor, assessor.get_by_test_id("submit-assessment"))
    expect(assessor.get_by_test_id("case-status")).to_have_text("待专家确认")

    for username in ("expert", "expert2"):
        expert = sign_in(username)
        open_case(expert, base, case)
        post(expert, expert.get_by_test_id("confirm"))
    expect(expert.get_by_test_id("case-status")).to_have_text("待经办复核")


def review_for_publicity(sign_in, base: str, case: Application) -> None:
    caseworker = sign_in("caseworker")
    open_case(caseworker, base, case)
    post(caseworker, caseworker.get_by_test_id("review"))
    expect(caseworker.get_by_test_id("case-status")).to_have_text("公示中")


def issue_conclusion(sign_in, base: str, case: Application, tmp_path) -> SimpleNamespace:
    caseworker = sign_in("caseworker")
    open_case(caseworker, base, case)
    expect(caseworker.get_by_test_id("case-status")).to_have_text("待送达")
    post(caseworker, caseworker.get_by_test_id("issue"))
    expect(caseworker.get_by_test_id("case-status")).to_have_text("已出结论")
    with caseworker.expect_download() as download_info:
        caseworker.get_by_test_id("download-letter").click()
    letter = tmp_path / "letter.pdf"
    download_info.value.save_as(str(letter))
    assert download_info.value.suggested_filename.startswith("评估结论书")
    assert letter.read_bytes().startswith(b"%PDF")
    sign_in.shot(caseworker, "walk_05_conclusion")
    # What the conclusion says, to check the entitlement opened from it.
    conclusion = caseworker.get_by_test_id("conclusion")
    number = conclusion.locator("dd.ch-mono").inner_text().strip()
    validity = conclusion.locator("dt", has_text="有效期").locator("xpath=following-sibling::dd[1]")
    first, last = re.findall(r"\d{4}-\d{2}-\d{2}", validity.inner_text())[:2]
    return SimpleNamespace(number=number, valid_from=first, valid_until=last)


# --- steps 6-7: benefits, the care plan, the caregiver ---------------------------------------


def open_entitlement(sign_in, base: str, case: Application, conclusion: SimpleNamespace) -> None:
    """办理待遇 on the case page, under the conclusion: the case worker fills in only what the
    guardian chose; the grade and validity are the conclusion's."""
    caseworker = sign_in("caseworker")
    open_case(caseworker, base, case)
    form = caseworker.get_by_test_id("open-entitlement")
    expect(form.get_by_label("待遇起始日")).to_have_value(conclusion.valid_from)
    form.get_by_label("照护方式（监护人选择）").select_option(label="机构上门居家照护")
    box = form.get_by_role("combobox", name="护理机构")
    box.fill(INSTITUTION[:4])  # part of the name; the picker lists the matches
    form.get_by_role("option", name=INSTITUTION).click()
    expect(box).to_have_value(INSTITUTION)
    post(caseworker, form.get_by_role("button", name="确认办理待遇"))
    success(caseworker, f"已为{PERSON.name}办理待遇")
    expect(caseworker.get_by_test_id("entitlement-opened")).to_contain_text("已办理待遇")
    with caseworker.expect_navigation():
        caseworker.get_by_role("link", name="查看待遇资格").click()
    expect(caseworker.locator("main")).to_contain_text("重度失能Ⅱ级")
    expect(caseworker.locator("main")).to_contain_text(conclusion.number)
    expect(caseworker.locator("main")).to_contain_text(conclusion.valid_until)


def plan_and_assign(sign_in) -> None:
    careadmin = sign_in("careadmin")
    nav(careadmin, "护理计划")
    beneficiary = careadmin.locator("li", has_text=PERSON.name)
    with careadmin.expect_navigation():
        beneficiary.get_by_role("link", name="制定计划").click()
    careadmin.get_by_label("上门次数").fill("2")
    for code in ("SH05", "SH02"):
        careadmin.locator(f'input[name="times_{code}"]').fill("1")
    post(careadmin, careadmin.get_by_role("button", name="保存为待确认草稿"))
    success(careadmin, "待参保人确认")
    plan_url = careadmin.url

    caseworker = sign_in("caseworker")
    caseworker.goto(plan_url)
    confirm = caseworker.locator("form", has_text="记录窗口确认")
    confirm.get_by_label("签字确认人").fill("郑小红")
    confirm.get_by_label("与参保人关系").select_option(label="子女")
    confirm.get_by_label("确认记录（如纸质确认书编号）").fill("纸质确认书QR-0001")
    post(caseworker, confirm.get_by_role("button", name="确认计划"))
    success(caseworker, "已记录窗口确认，计划生效")
    expect(caseworker.get_by_test_id("plan-status")).to_have_text("执行中")

    careadmin.goto(plan_url)
    with careadmin.expect_navigation():
        careadmin.get_by_test_id("assign-caregivers").click()
    careadmin.get_by_label(CAREGIVER.name).check()
    expect(careadmin.get_by_label("起始日")).to_have_value(clock.today().isoformat())
    post(careadmin, careadmin.get_by_test_id("assign"))
    success(careadmin, f"已派定护理员{CAREGIVER.name}为{PERSON.name}服务")
    sign_in.shot(careadmin, "walk_07_assigned")


# --- step 8: the visit on the phone -----------------------------------------------------------


def visit_on_the_phone(sign_in, base: str) -> Visit:
    day = clock.today()
    with on(day, 10):
        phone = sign_in("caregiver", phone=True)
        phone.goto(f"{base}/pwa/")
        card = phone.locator('[data-testid^="person-"]', has_text=PERSON.name)
        expect(card).to_be_visible()
        card.get_by_role("button", name="签到", exact=True).click()
        expect(phone.get_by_test_id("gps")).to_contain_text("已定位")
        phone.get_by_test_id("photo").set_input_files(image("checkin.jpg", 31))
        phone.get_by_test_id("submit").click()
        expect(phone.get_by_test_id("message")).to_contain_text("签到成功")
        expect(card.get_by_role("button", name=re.compile("^签退"))).to_be_visible()

    started = Visit.objects.get().check_in_at  # the server's time of the check-in
    with time_machine.travel(started + dt.timedelta(minutes=50), tick=True):  # fifty minutes on
        card.get_by_role("button", name=re.compile("^签退")).click()
        expect(phone.get_by_test_id("gps")).to_contain_text("已定位")
        for code in ("SH05", "SH02"):
            phone.get_by_test_id(f"item-{code}").locator('input[type="checkbox"]').check()
        phone.get_by_test_id("photo").set_input_files(image("checkout.jpg", 32))
        phone.get_by_test_id("signature").set_input_files(image("signature.jpg", 33))
        phone.get_by_test_id("submit").click()
        expect(phone.get_by_test_id("message")).to_contain_text("签退成功，服务时长50分钟")
        expect(card).to_contain_text("已完成 50分钟")  # the day's list, refreshed
        sign_in.shot(phone, "walk_08_phone")
    visit = Visit.objects.get()
    assert visit.status == "completed" and visit.place_result == "compliant"
    return visit


# --- steps 9-11: screening, the claim and its reviews, payment, the ledger --------------------


def screen_the_month(sign_in, month: str) -> None:
    supervisor = sign_in("supervisor")
    nav(supervisor, "稽核批次")
    expect(supervisor.get_by_label("稽核月份")).to_have_value(month)
    post(supervisor, supervisor.get_by_role("button", name="开始稽核"))
    success(supervisor, f"已提交{month}的稽核")
    expect(supervisor.get_by_test_id("run-row").first).to_contain_text("排队中")
    leave_polling_page(supervisor)
    run_worker_once()
    nav(supervisor, "稽核批次")
    expect(supervisor.get_by_test_id("run-row").first).to_contain_text("已完成")


def settle_the_month(sign_in, base: str, month: str) -> str:
    caseworker = sign_in("caseworker")
    nav(caseworker, "结算管理")
    opening = caseworker.get_by_test_id("open-period")
    opening.get_by_label("结算月份").fill(month)
    opening.get_by_label("统筹地区").select_option(label="成都市")
    post(caseworker, opening.get_by_role("button", name="开立结算期"))
    success(caseworker, f"已开立{month}结算期")
    period_url = caseworker.url
    caseworker.get_by_role("button", name="计算申报").click()  # htmx: the run row comes back
    progress = caseworker.get_by_test_id("run")
    expect(progress).to_contain_text("计算排队中")
    leave_polling_page(caseworker)
    run_worker_once()
    caseworker.goto(period_url)
    expect(progress).to_contain_text("计算已完成")
    expect(caseworker.get_by_test_id("claim-row")).to_have_count(1)

    careadmin = sign_in("careadmin")
    careadmin.goto(period_url)
    with careadmin.expect_navigation():
        careadmin.get_by_role("link", name=INSTITUTION).click()
    claim_url = careadmin.url
    expect(careadmin.get_by_test_id("line-row").first).to_contain_text(PERSON.name)
    post(careadmin, careadmin.get_by_test_id("submit-claim"))
    success(careadmin, "已申报，等待初审")
    amount = careadmin.get_by_test_id("claim-fund").inner_text().replace("元", "").strip()

    caseworker.goto(claim_url)
    post(caseworker, caseworker.get_by_test_id("first-pass"))
    success(caseworker, "初审通过，已转复核")

    supervisor = sign_in("supervisor")
    supervisor.goto(claim_url)
    post(supervisor, supervisor.get_by_test_id("second-approve"))
    success(supervisor, "复核通过，待拨付")

    bureau = sign_in("bureau")
    bureau.goto(period_url)
    post(bureau, bureau.get_by_test_id("pay"))
    assert f"¥{amount}" in bureau.questions[-1]  # asked with the amount before paying
    success(bureau, "记入基金账，结算期已锁定")
    bureau.goto(claim_url)
    expect(bureau.get_by_test_id("claim-status")).to_have_text("已拨付")
    sign_in.shot(bureau, "walk_10_paid")
    return amount


def see_it_in_the_ledger(sign_in, month: str, amount: str) -> None:
    bureau = sign_in("bureau")
    nav(bureau, "基金收支")
    monthly = bureau.locator("tr", has=bureau.locator("td", has_text=re.compile(f"^{month}$")))
    expect(monthly).to_contain_text(amount)
    with bureau.expect_navigation():
        bureau.get_by_role("link", name="记账凭证").click()
    payment = bureau.locator("tbody tr", has_text=f"{month}待遇拨付")
    expect(payment).to_have_count(1)
    expect(payment).to_contain_text(amount)
    sign_in.shot(bureau, "walk_11_ledger")


# --- the walk ---------------------------------------------------------------------------------


def test_the_whole_flow_through_the_pages(live_server, demo_city, desks, tmp_path):
    base = live_server.url
    sign_in = desks

    designate_institution(sign_in, base)
    register_caregiver(sign_in)

    case = register_and_apply(sign_in, base)  # 1
    accept_dispatch_and_team(sign_in, base, case)  # 2
    assess_on_site(sign_in, base, case, tmp_path)  # 3
    review_for_publicity(sign_in, base, case)  # 4
    case.refresh_from_db()
    assert case.status == Status.PUBLICITY

    # The publicity period runs out; the next morning the daily job closes it.
    first_day = case.publicity_until + dt.timedelta(days=1)
    desks.leave()
    with on(first_day, 9):
        run_worker_once()  # the morning's daily jobs close the publicity period
        conclusion = issue_conclusion(sign_in, base, case, tmp_path)  # 5
        open_entitlement(sign_in, base, case, conclusion)  # 6
        plan_and_assign(sign_in)  # 7
        visit = visit_on_the_phone(sign_in, base)  # 8

    month = f"{visit.service_date:%Y-%m}"
    next_month = (visit.service_date.replace(day=28) + dt.timedelta(days=4)).replace(day=3)
    desks.leave()
    with on(next_month, 9):
        screen_the_month(sign_in, month)  # 9
        amount = settle_the_month(sign_in, base, month)  # 10
        see_it_in_the_ledger(sign_in, month, amount)  # 11
        desks.leave()
    assert amount not in ("0.00", "")
    # The month settled is the visit's: screened without a finding, so it stays payable.
    run = ScreeningRun.objects.get(period=month)
    assert run.summary["visits_screened"] == 1 and run.findings_count == 0
    visit.refresh_from_db()
    assert visit.payable and not Finding.objects.exists()
    paid = ClaimLine.objects.filter(person__name=PERSON.name, period__month=month)
    assert paid.exists() and not paid.exclude(status="payable").exists()
    assert desks.errors == []
