"""Install the course content, site pages and consultation windows; in development also the
demo accounts. Idempotent: what exists already (perhaps edited since) is left as it is."""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from base.dates import tokyo_date
from base.pages import ensure_root_page
from courses.models import Audience, ConsultationWindow, CoursePage, LessonPage, StaffAssignment
from courses.seed_content import COURSES, WINDOWS
from courses.services.assignments import assignment_save
from events.models import Organiser, PlannedCourse
from events.services import organiser_group, planned_course_save
from organizations.models import (
    AdminScope,
    AttendeeType,
    Department,
    Learner,
    Municipality,
    StaffMember,
)
from organizations.services import (
    departments_ensure_paths,
    municipalities_import,
    roster_sync_accounts,
)
from quizzes.models import Choice, Question, QuestionnaireField, QuestionnairePage, QuizPage
from reports.demo.seed import install_demo_activity
from website.models import HomePage, SiteHelpSettings, StandardPage
from website.seed_content import PAGES

DEMO_PASSWORD = "changeme"
OSAKA_CODE = "271004"
MUNICIPAL_ADMIN_GROUP = "自治体管理者"
# Model permissions a municipal administrator holds; the scope limits them to their area.
MUNICIPAL_ADMIN_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("reports", "add_trainingsession"),
    ("reports", "change_trainingsession"),
    ("reports", "delete_trainingsession"),
    ("reports", "view_trainingsession"),
    ("reports", "approve_trainingsession"),
    ("reports", "add_kpitarget"),
    ("reports", "change_kpitarget"),
    ("reports", "view_kpitarget"),
    ("reports", "view_population"),
    ("courses", "add_consultationwindow"),
    ("courses", "change_consultationwindow"),
    ("courses", "delete_consultationwindow"),
    ("courses", "view_consultationwindow"),
    ("organizations", "add_department"),
    ("organizations", "change_department"),
    ("organizations", "view_department"),
    ("organizations", "view_municipality"),
    ("certificates", "view_certificate"),
    ("certificates", "change_certificate"),
    ("certificates", "add_certificateexport"),
    ("certificates", "view_certificateexport"),
    ("organizations", "add_staffmember"),
    ("organizations", "change_staffmember"),
    ("organizations", "delete_staffmember"),
    ("organizations", "view_staffmember"),
    ("organizations", "view_rostersyncrun"),
    ("organizations", "delete_department"),
    ("organizations", "view_stafftransfer"),
    ("organizations", "add_managerdelegation"),
    ("organizations", "change_managerdelegation"),
    ("organizations", "delete_managerdelegation"),
    ("organizations", "view_managerdelegation"),
    ("courses", "add_staffassignment"),
    ("courses", "change_staffassignment"),
    ("courses", "delete_staffassignment"),
    ("courses", "view_staffassignment"),
    # 講座（対面・ライブ配信）: the area's organisers (invite, approve) and their course plans.
    ("events", "add_organiser"),
    ("events", "change_organiser"),
    ("events", "delete_organiser"),
    ("events", "view_organiser"),
    ("events", "add_plannedcourse"),
    ("events", "change_plannedcourse"),
    ("events", "delete_plannedcourse"),
    ("events", "view_plannedcourse"),
]
DEPARTMENT_MANAGER_GROUP = "管理監督者"
# A department manager sees their own department's staff and training progress only.
DEPARTMENT_MANAGER_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("organizations", "view_staffmember"),
    # A manager lends their view to a deputy for a period (管理監督者の代理).
    ("organizations", "add_managerdelegation"),
    ("organizations", "change_managerdelegation"),
    ("organizations", "delete_managerdelegation"),
    ("organizations", "view_managerdelegation"),
]
# 大阪市's demo units, a small tree (局 → 課 → 係) as a roster's 所属 paths make it.
DEMO_BUREAU = ("福祉局",)
DEMO_DEPARTMENT = ("福祉局", "地域福祉課", "地域支援係")  # staff01's unit
DEMO_UNITS = [
    DEMO_DEPARTMENT,
    ("福祉局", "地域福祉課", "庶務係"),
    ("福祉局", "生活福祉課"),
    ("市民局", "区政支援室", "区政係"),
]
# Colleagues of staff01 on the demo roster: (staff number, name, kana, unit path).
DEMO_STAFF = [
    ("100002", "大阪 一郎", "おおさか いちろう", DEMO_DEPARTMENT),
    ("100003", "難波 さくら", "なんば さくら", ("福祉局", "生活福祉課")),
    ("200001", "梅田 健", "うめだ けん", ("市民局", "区政支援室", "区政係")),
    ("200002", "天王寺 みどり", "てんのうじ みどり", ("市民局", "区政支援室", "区政係")),
]


SATISFACTION = "とても満足\n満足\nふつう\nやや不満\n不満"
QUESTIONNAIRE_FIELDS = [
    ("この講座の満足度を教えてください", "radio", SATISFACTION, True),
    ("内容はわかりやすかったですか", "radio", "わかりやすかった\nふつう\nわかりにくかった", True),
    (
        "これからしてみたいこと（いくつでも）",
        "checkboxes",
        "身近な人にあいさつや声かけをする\n地域の相談窓口を調べておく\n"
        "家族や友人にこの講座のことを話す\n地域の居場所や活動に参加する\n特にない",
        False,
    ),
    ("ご意見・ご感想（自由記述、任意）", "multiline", "", False),
]
QUESTIONNAIRE_FIELDS_CHILDREN = [
    ("こうざは どうでしたか", "radio", "とても よかった\nよかった\nふつう\nよくなかった", True),
    ("わかりやすかったですか", "radio", "わかりやすかった\nふつう\nむずかしかった", True),
    ("かんそうを じゆうに かいてね（かかなくても だいじょうぶ）", "multiline", "", False),
]


def permission(app_label: str, codename: str) -> Permission:
    """A model permission, created first if the table was emptied since migrating (a test
    database flushed between tests keeps the schema but not the rows migrations made)."""
    lookup = {"content_type__app_label": app_label, "codename": codename}
    found = Permission.objects.filter(**lookup).first()
    if found is None:
        create_permissions(apps.get_app_config(app_label), verbosity=0)
        found = Permission.objects.get(**lookup)
    return found


class Command(BaseCommand):
    help = "Install course content and site pages (and demo accounts when DEBUG is on)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo-users", action="store_true", help="Do not create the demo accounts."
        )

    def handle(self, *args, **options):
        self.created = []
        result = municipalities_import()
        self.stdout.write(f"municipalities: {result.municipalities_total}")
        with transaction.atomic():
            home = self.install_home()
            self.install_pages(home)
            self.install_windows()
            for course in COURSES:
                self.install_course(home, course)
            if settings.DEBUG and not options["no_demo_users"]:
                self.install_demo_users()
        if settings.DEBUG and not options["no_demo_users"]:
            # Its own transactions, batch by batch (it can be large); skipped once done.
            self.created.extend(install_demo_activity())
        summary = ", ".join(self.created) if self.created else "nothing new"
        self.stdout.write(self.style.SUCCESS(f"seed_demo: {summary}"))
        if settings.DEBUG and not options["no_demo_users"]:
            self.stdout.write(
                "Demo logins (development only): admin / osaka-admin / osaka-manager / staff01 / "
                "osaka-organiser, "
                f"password '{DEMO_PASSWORD}'"
            )

    def install_home(self) -> HomePage:
        home = HomePage.objects.first()
        root = ensure_root_page()
        if home is None:
            # Wagtail's migrations leave a bare "Welcome" page; our home page takes its place.
            for page in root.get_children():
                if page.specific_class is Page and page.slug == "home" and page.numchild == 0:
                    page.delete()
            home = HomePage(
                title="つながりサポーター e-ラーニング",
                slug="home",
                lead="孤独・孤立に悩む人に気づき、声をかけ、支援につなぐ。身近な「つながり」を学ぶ講座です。",
                intro="<p>アカウントなしで、スマートフォンからでも受講できます。"
                "途中でやめても、同じブラウザで開けば続きから学べます。</p>",
            )
            root.add_child(instance=home)
            home.save_revision().publish()
            self.created.append("home page")
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=settings.WAGTAIL_SITE_NAME,
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = settings.WAGTAIL_SITE_NAME
            site.save()
        SiteHelpSettings.for_site(Site.objects.get(is_default_site=True))
        return home

    def install_pages(self, home: HomePage) -> None:
        existing = set(home.get_children().values_list("slug", flat=True))
        for data in PAGES:
            if data["slug"] in existing:
                continue
            page = StandardPage(title=data["title"], slug=data["slug"], body=data["body"])
            home.add_child(instance=page)
            page.save_revision().publish()
            self.created.append(f"page {data['slug']}")

    def install_windows(self) -> None:
        codes = {w["municipality"] for w in WINDOWS if w.get("municipality")}
        by_code = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
        for order, data in enumerate(WINDOWS, start=1):
            municipality = by_code.get(data["municipality"]) if data.get("municipality") else None
            window, created = ConsultationWindow.objects.get_or_create(
                municipality=municipality,
                name=data["name"],
                defaults={
                    "topics": data.get("topics", ""),
                    "phone": data.get("phone", ""),
                    "hours": data.get("hours", ""),
                    "url": data.get("url", ""),
                    "description": data.get("description", ""),
                    "source_url": data.get("source_url", ""),
                    "checked_on": data.get("checked_on"),
                    "is_active": data.get("is_active", True),
                    "sort_order": data.get("sort_order", order * 10),
                },
            )
            if created:
                self.created.append(f"window {data['name']}")
            elif (
                not window.source_url
                and data.get("source_url")
                and window.phone == data.get("phone", "")
            ):
                # A database seeded before windows had sources: record where the same number
                # was checked, without touching anything an operator has edited.
                window.source_url = data["source_url"]
                window.checked_on = data.get("checked_on")
                window.save(update_fields=["source_url", "checked_on"])

    def install_course(self, home: HomePage, data: dict) -> CoursePage:
        course = CoursePage.objects.filter(course_code=data["course_code"]).first()
        if course is not None:
            return course
        course = CoursePage(
            title=data["title"],
            slug=data["slug"],
            audience=data["audience"],
            course_code=data["course_code"],
            summary=data["summary"],
            estimated_minutes=data["estimated_minutes"],
            learning_goals=[("goal", goal) for goal in data["learning_goals"]],
            intro=data.get("intro", ""),
        )
        home.add_child(instance=course)
        course.save_revision().publish()
        lessons = {}
        for lesson_data in data["lessons"]:
            lesson = LessonPage(
                title=lesson_data["title"],
                slug=lesson_data["slug"],
                summary=lesson_data.get("summary", ""),
                estimated_minutes=lesson_data.get("estimated_minutes", 5),
                body=lesson_data["body"],
            )
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
            lessons[lesson.slug] = lesson
        if data.get("quiz"):
            self.install_quiz(course, data["quiz"], lessons)
        self.install_questionnaire(course, children=data["audience"] == Audience.CHILDREN)
        self.created.append(f"course {data['course_code']}")
        return course

    def install_quiz(self, course: CoursePage, data: dict, lessons: dict) -> QuizPage:
        quiz = QuizPage(
            title=data.get("title", "確認テスト"),
            slug="quiz",
            intro=data.get(
                "intro",
                "<p>学んだことを確かめましょう。間違えても、解説を読んで見直せば大丈夫です。</p>",
            ),
            pass_mark=data["pass_mark"],
            questions_per_attempt=data.get("questions_per_attempt"),
            retry_wait_minutes=data.get("retry_wait_minutes", 0),
        )
        course.add_child(instance=quiz)
        quiz.save_revision().publish()
        for order, item in enumerate(data["questions"]):
            question = Question.objects.create(
                quiz=quiz,
                kind=item["kind"],
                stem=item["stem"],
                explanation=item.get("explanation", ""),
                partial_credit=item.get("partial_credit", False),
                review_lesson=lessons.get(item.get("lesson_slug")),
                sort_order=order,
            )
            Choice.objects.bulk_create(
                Choice(
                    question=question,
                    text=choice["text"],
                    is_correct=choice["correct"],
                    sort_order=i,
                )
                for i, choice in enumerate(item["choices"])
            )
        return quiz

    def install_questionnaire(self, course: CoursePage, *, children: bool) -> QuestionnairePage:
        page = QuestionnairePage(
            title="アンケート" if not children else "かんそうを おしえてね",
            slug="questionnaire",
            intro="<p>講座をよりよくするため、ご感想をお聞かせください。</p>"
            if not children
            else "<p>こうざの かんそうを おしえてください。なまえは かきません。</p>",
            thank_you_text="<p>ご協力ありがとうございました。</p>"
            if not children
            else "<p>こたえてくれて ありがとう。</p>",
        )
        course.add_child(instance=page)
        page.save_revision().publish()
        fields = QUESTIONNAIRE_FIELDS_CHILDREN if children else QUESTIONNAIRE_FIELDS
        for order, (label, field_type, choices, required) in enumerate(fields):
            QuestionnaireField.objects.create(
                page=page,
                sort_order=order,
                label=label,
                field_type=field_type,
                choices=choices,
                required=required,
            )
        return page

    def install_demo_users(self) -> None:
        user_model = get_user_model()
        osaka = Municipality.objects.get(code=OSAKA_CODE)

        admin, created = user_model.objects.get_or_create(
            username="admin",
            defaults={"is_superuser": True, "is_staff": True, "email": "admin@example.jp"},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
            self.created.append("user admin")

        group, _created = Group.objects.get_or_create(name=MUNICIPAL_ADMIN_GROUP)
        for app_label, codename in MUNICIPAL_ADMIN_PERMISSIONS:
            group.permissions.add(permission(app_label, codename))
        osaka_admin, created = user_model.objects.get_or_create(
            username="osaka-admin",
            defaults={
                "first_name": "大阪市",
                "last_name": "研修担当",
                "email": "osaka-admin@example.jp",
            },
        )
        if created:
            osaka_admin.set_password(DEMO_PASSWORD)
            osaka_admin.save()
            self.created.append("user osaka-admin")
        osaka_admin.groups.add(group)
        AdminScope.objects.get_or_create(
            user=osaka_admin,
            defaults={"level": AdminScope.Level.MUNICIPALITY, "municipality": osaka},
        )

        # The tree is made as a roster import makes it, idempotently: units found by their
        # path are reused, missing ones created under their parent.
        units, _created = departments_ensure_paths(
            municipality=osaka, paths=[DEMO_BUREAU, *DEMO_UNITS]
        )
        department = Department.objects.get(pk=units[DEMO_DEPARTMENT])
        staff, created = user_model.objects.get_or_create(
            username="staff01",
            defaults={"first_name": "花子", "last_name": "大阪", "email": "staff01@example.jp"},
        )
        if created:
            staff.set_password(DEMO_PASSWORD)
            staff.save()
            self.created.append("user staff01")
        Learner.objects.get_or_create(
            user=staff,
            defaults={
                "municipality": osaka,
                "department": department,
                "attendee_type": AttendeeType.GOVERNMENT,
            },
        )
        self.install_demo_staff_training(osaka, units, staff)
        self.install_demo_organiser(osaka)

    def install_demo_staff_training(self, osaka, units, staff_user) -> None:
        """staff01 and colleagues on 大阪市's roster, a manager of 福祉局 (who sees its 課 and
        係 too), and two assigned staff courses: the refresher overdue, the main module due
        in a month. ``units``: the demo tree's ``{path: unit id}``."""
        department = Department.objects.get(pk=units[DEMO_DEPARTMENT])

        user_model = get_user_model()
        StaffMember.objects.get_or_create(
            municipality=osaka,
            staff_number="100001",
            defaults={
                "name": "大阪 花子",
                "name_kana": "おおさか はなこ",
                "department": department,
                "email": staff_user.email,
                "learner": staff_user.learner,
            },
        )
        for number, name, kana, path in DEMO_STAFF:
            StaffMember.objects.get_or_create(
                municipality=osaka,
                staff_number=number,
                defaults={"name": name, "name_kana": kana, "department_id": units[path]},
            )
        roster_sync_accounts(municipality=osaka)

        group, _created = Group.objects.get_or_create(name=DEPARTMENT_MANAGER_GROUP)
        for app_label, codename in DEPARTMENT_MANAGER_PERMISSIONS:
            group.permissions.add(permission(app_label, codename))
        manager, created = user_model.objects.get_or_create(
            username="osaka-manager",
            defaults={
                "first_name": "局長",
                "last_name": "福祉局",
                "email": "osaka-manager@example.jp",
            },
        )
        if created:
            manager.set_password(DEMO_PASSWORD)
            manager.save()
            self.created.append("user osaka-manager")
        manager.groups.add(group)
        AdminScope.objects.get_or_create(
            user=manager,
            # A manager of the 局: their scope is its whole subtree (課 and 係 below it).
            defaults={
                "level": AdminScope.Level.DEPARTMENT,
                "municipality": osaka,
                "department_id": units[DEMO_BUREAU],
            },
        )

        today = tokyo_date()
        plans = [
            ("STF2", today - dt.timedelta(days=30), today - dt.timedelta(days=3)),
            ("STF", today - dt.timedelta(days=7), today + dt.timedelta(days=30)),
        ]
        for course_code, starts_on, due_on in plans:
            course = CoursePage.objects.filter(course_code=course_code).first()
            if (
                course is None
                or StaffAssignment.objects.filter(municipality=osaka, course=course).exists()
            ):
                continue
            assignment_save(
                assignment=StaffAssignment(
                    municipality=osaka,
                    course=course,
                    target=StaffAssignment.Target.ALL,
                    starts_on=starts_on,
                    due_on=due_on,
                    note="デモ",
                ),
                today=today,
            )
            self.created.append(f"assignment {course_code}")

    def install_demo_organiser(self, osaka) -> None:
        """An NPO organiser of 大阪市 with a public course in two weeks that takes sign-ups,
        shown on 「近くの講座を探す」."""
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username="osaka-organiser",
            defaults={"email": "osaka-organiser@example.jp", "first_name": "つながり"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.created.append("user osaka-organiser")
        user.groups.add(organiser_group())
        organiser, _created = Organiser.objects.get_or_create(
            user=user,
            defaults={
                "municipality": osaka,
                "organisation_type": "npo",
                "organisation_name": "NPO法人 大阪つながりネット",
                "name": "大阪 次郎",
                "email": user.email,
                "status": Organiser.Status.ACTIVE,
            },
        )
        course = CoursePage.objects.filter(audience=Audience.CITIZEN).first()
        if course is None or PlannedCourse.objects.filter(organiser=organiser).exists():
            return
        planned_course_save(
            course=PlannedCourse(
                organiser=organiser,
                course=course,
                held_on=tokyo_date() + dt.timedelta(days=14),
                start_time=dt.time(14),
                end_time=dt.time(15, 30),
                venue_name="大阪市立総合生涯学習センター 第1研修室",
                venue_address="大阪市北区梅田1-2-2-500 大阪駅前第2ビル5階",
                instructor_name="大阪 次郎",
                capacity=30,
                is_public=True,
                signup_enabled=True,
                notes="筆記用具をお持ちください。",
            ),
            user=user,
        )
        self.created.append("course plan (osaka-organiser)")
