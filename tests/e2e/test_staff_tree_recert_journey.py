"""The organisation tree, deputies and recertification in the browser, as the training office,
a manager, a deputy and a staff member see them (#19): the office imports a roster with unit
paths, arranges the tree (a cycle is refused), assigns a course to 総務局 and everything below
it, for 常勤 staff only, valid 12 months; the manager of 人事部 sees 研修課 and 給与課 but not
市民局, lends the view to a deputy for a week, then ends it; a staff member completes the
course, and when the completion nears its expiry ``recertify_staff`` assigns the renewal that
the manager, the person and the expiring report all show."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone

from base.dates import TOKYO, fiscal_year_of, tokyo_date
from courses.models import Audience, Completion, StaffAssignee, StaffAssignment
from organizations.models import AdminScope, Department, StaffMember
from tests import factories
from tsunagari.management.commands.seed_demo import (
    DEPARTMENT_MANAGER_GROUP,
    DEPARTMENT_MANAGER_PERMISSIONS,
    MUNICIPAL_ADMIN_GROUP,
    MUNICIPAL_ADMIN_PERMISSIONS,
)

from .conftest import ARTIFACTS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OSAKA = "271004"
PASSWORD = "Tsunagari-e2e-2026"
SAVE = re.compile("^(作成|保存)$")
ROSTER = (
    "職員番号,氏名,ふりがな,所属,役職,雇用形態,メールアドレス\n"
    "1001,研修 一郎,けんしゅう いちろう,総務局/人事部/研修課,主事,常勤,\n"
    "1002,研修 はるか,けんしゅう はるか,総務局／人事部／研修課,事務補助,会計年度任用職員,\n"
    "1003,給与 花子,きゅうよ はなこ,総務局 > 人事部 > 給与課,係長,正職員,\n"
    "1004,人事 次郎,じんじ じろう,総務局/人事部,課長補佐,常勤,\n"
    "2001,市民 三郎,しみん さぶろう,市民局/区政課,主事,常勤,\n"
    "3001,広報 四郎,こうほう しろう,広報課,主事,常勤,\n"
)


@pytest.fixture
def office():
    """大阪市, one staff course and 大阪市's training office (a municipal administrator);
    no demo accounts or activity, so that every person on the screens is one the journey
    made (and the setup takes seconds, not the minute ``seed_demo`` does)."""
    osaka = factories.municipality(OSAKA, "大阪市")
    factories.course(title="職員向け ふりかえり研修", audience=Audience.STAFF, lessons=2)
    group, _created = Group.objects.get_or_create(name=MUNICIPAL_ADMIN_GROUP)
    for app_label, codename in MUNICIPAL_ADMIN_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = get_user_model().objects.create_user("osaka-office", password=PASSWORD)
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    return osaka


def manager_of(unit) -> str:
    """An account of 管理監督者 attached to ``unit`` (set up as 設定 → 管理者の範囲 does)."""
    group, _created = Group.objects.get_or_create(name=DEPARTMENT_MANAGER_GROUP)
    for app_label, codename in DEPARTMENT_MANAGER_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = get_user_model().objects.create_user("jinji-bucho", password=PASSWORD)
    user.groups.add(group)
    AdminScope.objects.create(
        user=user, level="department", municipality=unit.municipality, department=unit
    )
    return user.username


def staff_account(staff_number: str) -> str:
    """The roster's account of a staff member, with the password they would set from the
    invitation link."""
    user = StaffMember.objects.get(staff_number=staff_number).learner.user
    user.set_password(PASSWORD)
    user.save()
    return user.get_username()


def unit_name(label: str) -> str:
    """A unit's own name from a label that may be its path (「総務局 / 人事部 / 研修課」)."""
    return re.split(r"\s*[/／>＞]\s*", label.strip())[-1]


def select_unit(select, name: str) -> None:
    """Choose the option naming unit ``name``, whether options show names or paths."""
    labels = select.locator("option").all_inner_texts()
    select.select_option(label=next(label for label in labels if unit_name(label) == name))


def check_unit(page, name: str) -> None:
    """Tick the checkbox of unit ``name`` (labelled by its name or its path)."""
    boxes = page.locator("input[type=checkbox][name=departments]")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
        if unit_name(label) == name:
            box.check()
            return
    raise AssertionError(f"no checkbox for {name}")


def log_in_admin(page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def roster_names(page, url: str) -> str:
    page.goto(url + "/admin/staff/")
    return page.locator("main").inner_text()


def submit(page) -> None:
    """Save a Wagtail form from the keyboard (a date picker may stay open over the button)."""
    page.get_by_role("button", name=SAVE).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def edit_unit(page, url: str, name: str) -> None:
    """Open unit ``name``'s edit screen from the 所属 list (units are listed by their path)."""
    page.goto(url + "/admin/department/")
    links = page.locator("main table tbody a[href*='/department/edit/']")
    texts = links.all_inner_texts()
    links.nth(next(i for i, text in enumerate(texts) if unit_name(text) == name)).click()
    page.locator("#id_parent").wait_for()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-tree-{name}.png"), full_page=True)


def test_tree_deputies_and_renewal_as_office_manager_deputy_and_staff_see_them(
    live_server, browser, office, tmp_path
):
    url = live_server.url
    today = tokyo_date()
    desk = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", accept_downloads=True
    )
    page = desk.new_page()
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    phone = phone_context.new_page()
    try:
        # 1. The training office imports the roster; the preview counts the new units, and
        # the 所属 list shows them nested.
        log_in_admin(page, url, "osaka-office")
        roster = tmp_path / "roster.csv"
        roster.write_text(ROSTER, encoding="utf-8-sig")
        page.goto(url + "/admin/staff-roster/import/")
        page.set_input_files("input[type=file]", str(roster))
        page.get_by_label("この名簿が全員分", exact=False).check()
        page.get_by_role("button", name="確認する（まだ書き込みません）").click()
        page.get_by_role("heading", name="確認（まだ書き込んでいません）").wait_for()
        totals = page.locator("table", has=page.locator("caption", has_text="件数"))
        headers = totals.locator("th").all_inner_texts()
        values = totals.locator("td").all_inner_texts()
        # 総務局, 人事部, 研修課, 給与課, 市民局, 区政課, 広報課.
        assert values[headers.index("新しい所属")] == "7"
        assert "研修課" in page.locator("main").inner_text()
        assert not Department.objects.filter(municipality=office).exists()  # not yet written
        shot(page, "1-preview")
        page.get_by_role("button", name="この内容で取り込む").click()
        page.wait_for_url(re.compile(r"/admin/staff-roster/import/$"))

        page.goto(url + "/admin/department/")
        listing = page.locator("main table").inner_text()
        for path in ("総務局 / 人事部 / 研修課", "総務局 / 人事部 / 給与課", "市民局 / 区政課"):
            assert path.replace(" / ", "") in re.sub(r"[\s/／>＞]", "", listing), path
        edit_unit(page, url, "研修課")
        assert unit_name(page.locator("#id_parent option:checked").inner_text()) == "人事部"
        assert "上位の所属" in page.locator("main").inner_text()
        shot(page, "1-tree")

        # 2. The office moves 広報課 under 市民局; moving 市民局 under its own 区政課 is refused.
        edit_unit(page, url, "広報課")
        select_unit(page.locator("#id_parent"), "市民局")
        submit(page)
        kouhou = Department.objects.get(municipality=office, name="広報課")
        assert kouhou.parent.name == "市民局"
        page.goto(url + "/admin/department/")
        assert "市民局広報課" in re.sub(r"[\s/／>＞]", "", page.locator("main table").inner_text())

        edit_unit(page, url, "市民局")
        options = [unit_name(o) for o in page.locator("#id_parent option").all_inner_texts()]
        assert "区政課" not in options and "広報課" not in options  # not even offered
        # A form opened before 区政課 came under 市民局 (another tab, a stale page) still
        # names it: the server refuses, in Japanese, and nothing moves.
        kuseika = Department.objects.get(municipality=office, name="区政課")
        page.locator("#id_parent").evaluate(
            "(select, pk) => { const o = new Option('区政課', pk); select.add(o); o.selected = true; }",
            str(kuseika.pk),
        )
        page.get_by_role("button", name=SAVE).first.click()
        page.wait_for_load_state()
        assert "循環" in page.locator("main").inner_text()
        assert Department.objects.get(municipality=office, name="市民局").parent is None
        shot(page, "2-cycle-refused")

        # 3. The course for 総務局 and everything below it, 常勤 only, valid 12 months.
        page.goto(url + "/admin/staff-assignments/new/")
        labels = page.locator("#id_course option").all_inner_texts()
        page.locator("#id_course").select_option(label=next(x for x in labels if "ふりかえり" in x))
        page.locator("#id_target").select_option(value="departments")
        check_unit(page, "総務局")
        page.get_by_role("checkbox", name="下位の所属も対象にする").check()
        page.get_by_role("checkbox", name="常勤", exact=True).check()
        page.get_by_role("textbox", name="開始日").fill(today.isoformat())
        page.get_by_role("textbox", name="期限").fill((today + dt.timedelta(days=30)).isoformat())
        page.get_by_role("combobox", name="修了の有効期限").select_option(label="修了から一定期間")
        page.locator("#id_validity_months").fill("12")
        page.locator("#id_renewal_window_months").fill("2")
        submit(page)
        assignment = StaffAssignment.objects.get(municipality=office)
        assert (assignment.validity_months, assignment.renewal_window_months) == (12, 2)
        assigned = set(assignment.assignees.values_list("staff_member__staff_number", flat=True))
        # 1002 is 会計年度任用職員; 2001 and 3001 are of 市民局.
        assert assigned == {"1001", "1003", "1004"}

        # 4. The manager of 人事部 sees 研修課 and 給与課, not 市民局.
        manager = manager_of(Department.objects.get(municipality=office, name="人事部"))
        log_in_admin(page, url, manager)
        seen = roster_names(page, url)
        assert "研修 一郎" in seen and "給与 花子" in seen
        assert "市民 三郎" not in seen and "広報 四郎" not in seen
        page.goto(url + f"/admin/reports/staff-training/{assignment.pk}/not-completed/")
        pending = page.locator("main").inner_text()
        assert "研修 一郎" in pending and "給与 花子" in pending and "市民 三郎" not in pending
        shot(page, "4-manager")

        # The manager lends the view of 人事部 to 人事 次郎 for a week.
        deputy = staff_account("1004")
        page.goto(url + "/admin/manager-delegations/new/")
        select_unit(page.locator("#id_department"), "人事部")
        deputies = page.locator("#id_deputy option").all_inner_texts()
        page.locator("#id_deputy").select_option(label=next(x for x in deputies if deputy in x))
        page.locator("#id_starts_on").fill(today.isoformat())
        page.locator("#id_ends_on").fill((today + dt.timedelta(days=7)).isoformat())
        page.locator("#id_reason").fill("出張")
        submit(page)
        assert deputy in page.locator("main table").inner_text()

        deputy_context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="ja-JP"
        )
        deputy_page = deputy_context.new_page()
        try:
            log_in_admin(deputy_page, url, deputy)
            seen = roster_names(deputy_page, url)
            assert "研修 一郎" in seen and "給与 花子" in seen and "市民 三郎" not in seen
            shot(deputy_page, "4-deputy")

            # The manager is back early: the period ends yesterday; the view is gone.
            page.goto(url + "/admin/manager-delegations/")
            page.locator("main table").get_by_role("link", name=re.compile(deputy)).first.click()
            page.locator("#id_starts_on").fill((today - dt.timedelta(days=8)).isoformat())
            page.locator("#id_ends_on").fill((today - dt.timedelta(days=1)).isoformat())
            submit(page)
            deputy_page.goto(url + "/admin/staff/")
            assert "研修 一郎" not in deputy_page.content()
            # Sent to the sign-in page: the admin is no longer theirs.
            assert "/admin/login/" in deputy_page.url
            shot(deputy_page, "4-deputy-ended")
        finally:
            deputy_context.close()

        # 5. 研修 一郎 completes the course on a phone; /my/ says until when it is valid.
        phone.goto(url + "/accounts/login/?next=/my/")
        phone.fill("input[name=username]", staff_account("1001"))
        phone.fill("input[name=password]", PASSWORD)
        phone.get_by_role("button", name="ログインする").click()
        phone.wait_for_url(re.compile(r"/my/$"))
        phone.locator("section.assignments li.course-card").first.get_by_role("link").click()
        phone.get_by_role("button", name="受講を始める").click()
        for _lesson in range(10):
            phone.get_by_role("button", name=re.compile("このレッスンを完了")).click()
            if "修了しました" in phone.content():
                break
        phone.goto(url + "/my/")
        valid_until = StaffAssignee.objects.get(
            assignment=assignment, staff_member__staff_number="1001"
        ).valid_until
        until = f"{valid_until.year}年{valid_until.month}月{valid_until.day}日"
        assert valid_until == today.replace(year=today.year + 1) - dt.timedelta(days=1)
        card = phone.locator("section.assignments li.course-card").first.inner_text()
        assert f"{until}まで有効" in card
        history = phone.locator("section.training-history").inner_text()
        assert "職員研修の受講履歴" in history and f"{until}まで" in history
        assert phone.locator("section.training-history p.status").first.inner_text() == "有効"
        assert axe_violations(phone) == []
        shot(phone, "5-my")

        # 6. Eleven months and some days later (the completion moved into the past, as the
        # clock would move it): 20 days are left, inside the 2-month renewal window.
        expires = today + dt.timedelta(days=20)
        completed = timezone.now() - (valid_until - expires)
        assignee = StaffAssignee.objects.get(
            assignment=assignment, staff_member__staff_number="1001"
        )
        StaffAssignee.objects.filter(pk=assignee.pk).update(
            completed_at=completed, valid_until=expires
        )
        completed_on = completed.astimezone(TOKYO).date()
        Completion.objects.filter(pk=assignee.completion_id).update(
            completed_at=completed,
            completed_on=completed_on,
            fiscal_year=fiscal_year_of(completed_on),
        )
        call_command("recertify_staff", verbosity=0)
        renewal = StaffAssignment.objects.get(renewal_of=assignment)
        assert renewal.due_on == expires

        # The manager sees the renewal due (更新待ち) in 研修 一郎's history.
        log_in_admin(page, url, manager)
        page.goto(url + "/admin/reports/staff-training/history/?q=研修 一郎")
        page.locator("main table").get_by_role("link", name="研修 一郎").first.click()
        assert "更新待ち" in page.locator("main table").inner_text()
        page.goto(url + f"/admin/reports/staff-training/{renewal.pk}/not-completed/")
        assert "研修 一郎" in page.locator("main").inner_text()
        shot(page, "6-manager")

        # 研修 一郎's /my/: the renewal is to do, by the day the completion expires.
        phone.goto(url + "/my/")
        card = phone.locator("section.assignments li.course-card").first.inner_text()
        expires_text = f"{expires.year}年{expires.month}月{expires.day}日"
        assert f"更新・期限：{expires_text}" in card and "期限まであと 20 日" in card
        history = phone.locator("section.training-history").inner_text()
        assert "更新待ち" in history and "更新の研修を受講してください" in history
        shot(phone, "6-my")

        # The office's 修了の期限が近い職員 lists him, on the screen and in the CSV.
        log_in_admin(page, url, "osaka-office")
        page.goto(url + "/admin/reports/staff-training/expiring/")
        table = page.locator("main table").inner_text()
        assert "研修 一郎" in table and "給与 花子" not in table
        assert f"割り当て済み（期限 {expires:%Y-%m-%d}）" in table
        shot(page, "6-expiring")
        page.locator("button[aria-label='操作'], button[aria-label='Actions']").first.click()
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("CSV")).first.click()
        saved = tmp_path / "expiring.csv"
        download.value.save_as(saved)
        text = saved.read_bytes().decode("utf-8-sig")
        assert "研修 一郎" in text and "1001" in text and expires.isoformat() in text
    finally:
        shot(page, "last")
        shot(phone, "last-phone")
        desk.close()
        phone_context.close()
