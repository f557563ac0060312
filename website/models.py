"""The site itself: home page, plain information pages and site-wide help settings."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from base.page_cache import CachedPageMixin, find_specific_child, route_through_child
from courses.blocks import RICH_TEXT_FEATURES, ContentStreamBlock
from courses.hooks import my_assignments_section
from courses.models import CoursePage
from courses.progress import progress_for
from organizations.learners import current_learner


class HomePage(CachedPageMixin, Page):
    """The site's front page: a welcome and the list of courses (its children)."""

    lead = models.CharField(_("リード文"), max_length=200, blank=True)
    intro = RichTextField(_("はじめに"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage", "elearning.StandardPage"]
    max_count = 1

    class Meta:
        verbose_name = _("ホームページ")

    def route(self, request, path_components):
        # Children (courses, information pages) are found once per generation of the page
        # cache; most requests are for courses, looked up first in one query.
        if not path_components:
            return super().route(request, path_components)
        return route_through_child(self, request, path_components, _find_child_of_home)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        learner = current_learner(request)
        courses = CoursePage.objects.live().child_of(self).order_by("path")
        entries = [(course, progress_for(learner, course)) for course in courses]
        context["course_entries"] = entries
        # The course to carry on with: the one most recently worked on and not yet finished.
        unfinished = [
            (course, progress)
            for course, progress in entries
            if progress.enrollment and not progress.is_completed and progress.resume_lesson
        ]
        unfinished.sort(key=lambda entry: entry[1].enrollment.last_activity_at, reverse=True)
        context["resume"] = unfinished[0] if unfinished else None
        if learner is not None and request.user.is_authenticated:
            # A staff member's assigned training comes first after login.
            context["assignments"] = my_assignments_section(request, learner)
        return context


def _find_child_of_home(home, slug):
    course = CoursePage.objects.child_of(home).filter(slug=slug).first()
    return course if course is not None else find_specific_child(home, slug)


class StandardPage(CachedPageMixin, Page):
    """A plain information page (privacy policy, accessibility policy, about)."""

    body = StreamField(ContentStreamBlock(), verbose_name=_("本文"))

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["elearning.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("一般ページ")


@register_setting(icon="help")
class SiteHelpSettings(BaseSiteSetting):
    """The help every page shows in its footer. Each item can be switched off while a service
    is not running (the #9999 dial runs only in certain periods)."""

    heading = models.CharField(
        _("見出し"), max_length=80, default="ひとりで悩まず、相談してください"
    )
    show_dial = models.BooleanField(_("相談ダイヤルを表示する"), default=True)
    dial_name = models.CharField(
        _("ダイヤルの名称"), max_length=60, default="孤独・孤立相談ダイヤル"
    )
    dial_number = models.CharField(_("電話番号"), max_length=20, default="#9999")
    dial_fallback_number = models.CharField(
        _("つながらない場合の番号"), max_length=20, default="0120-494949", blank=True
    )
    dial_note = models.CharField(
        _("受付期間・時間の説明"),
        max_length=200,
        blank=True,
        default="実施期間中のみ受け付けています。期間・時間は国の発表をご確認ください。",
    )
    show_portal = models.BooleanField(_("ポータルサイトを表示する"), default=True)
    portal_name = models.CharField(
        _("ポータルの名称"), max_length=60, default="あなたはひとりじゃない"
    )
    portal_url = models.URLField(_("ポータルのURL"), default="https://www.notalone-cao.go.jp/")
    show_portal_under18 = models.BooleanField(_("18歳以下向けページを表示する"), default=True)
    portal_under18_url = models.URLField(
        _("18歳以下向けページのURL"), default="https://www.notalone-cao.go.jp/under18/"
    )
    show_local_windows = models.BooleanField(
        _("受講者の市区町村の相談窓口を表示する"), default=True
    )
    organisation_name = models.CharField(
        _("運営者名"), max_length=100, blank=True, help_text=_("フッターに表示します。")
    )
    organisation_contact = models.TextField(
        _("運営者の問い合わせ先"),
        max_length=500,
        blank=True,
        help_text=_("担当部署、電話番号、メールアドレス、受付時間など。フッターに表示します。"),
    )

    panels = [
        FieldPanel("heading"),
        MultiFieldPanel(
            [
                FieldPanel("show_dial"),
                FieldPanel("dial_name"),
                FieldPanel("dial_number"),
                FieldPanel("dial_fallback_number"),
                FieldPanel("dial_note"),
            ],
            heading=_("孤独・孤立相談ダイヤル"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("show_portal"),
                FieldPanel("portal_name"),
                FieldPanel("portal_url"),
                FieldPanel("show_portal_under18"),
                FieldPanel("portal_under18_url"),
            ],
            heading=_("ポータルサイト"),
        ),
        FieldPanel("show_local_windows"),
        MultiFieldPanel(
            [FieldPanel("organisation_name"), FieldPanel("organisation_contact")],
            heading=_("運営者"),
        ),
    ]

    class Meta:
        verbose_name = _("相談先の案内")

    @property
    def dial_tel(self) -> str:
        """The number as a tel: link target (# must be escaped in a URI)."""
        return self.dial_number.replace("#", "%23").replace("-", "")
