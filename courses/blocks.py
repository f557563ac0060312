"""StreamField blocks of lesson pages: one shared stream block, ``LessonStreamBlock``."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from .figures import figure_choices
from .windows import windows_for_request

RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("見出し"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("レベル"),
        choices=[("h2", _("大見出し (h2)")), ("h3", _("小見出し (h3)"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        label = _("見出し")
        description = _("レッスン内の節の見出し。ページ名が h1 なので h2 から始めます。")
        preview_value = {"text": "孤独と孤立の違い", "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        super().__init__(features=RICH_TEXT_FEATURES, **kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph_block.html"
        label = _("本文")
        description = _("本文。こども向けでは 漢字《かんじ》 と書くとふりがなになります。")
        preview_value = "<p>ひとりでいること自体が問題なのではありません。</p>"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("画像"))
    alt_text = blocks.CharBlock(
        label=_("代替テキスト"),
        required=False,
        max_length=250,
        help_text=_(
            "画像が見えない人に伝える内容。装飾だけの画像なら空欄にし、下を選んでください。"
        ),
    )
    decorative = blocks.BooleanBlock(label=_("装飾のみの画像"), required=False)
    caption = blocks.CharBlock(label=_("キャプション"), required=False, max_length=250)

    def clean(self, value):
        value = super().clean(value)
        if not value.get("decorative") and not value.get("alt_text"):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "alt_text": blocks.BlockValidationError(
                        _("代替テキストを入力するか、装飾のみの画像を選んでください。")
                    )
                }
            )
        return value

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        label = _("画像")
        description = _("代替テキスト付きの画像")
        preview_value = {"alt_text": "", "decorative": True, "caption": ""}


class VideoBlock(blocks.StructBlock):
    """A lesson video: an uploaded file (works on closed networks) or an embed, with captions."""

    title = blocks.CharBlock(label=_("動画のタイトル"), max_length=120)
    video_file = DocumentChooserBlock(
        label=_("動画ファイル (mp4 / webm)"),
        required=False,
        help_text=_("LGWAN 端末でも再生できるよう、ファイルのアップロードをおすすめします。"),
    )
    embed = EmbedBlock(
        label=_("埋め込み (YouTube など)"),
        required=False,
        help_text=_(
            "外部サイトの動画。閉域網の端末では見られないため、文字起こしを必ず添えてください。"
        ),
    )
    captions = DocumentChooserBlock(label=_("字幕ファイル (WebVTT)"), required=False)
    transcript = blocks.RichTextBlock(
        label=_("文字起こし"), features=RICH_TEXT_FEATURES, required=False
    )

    def clean(self, value):
        value = super().clean(value)
        if not value.get("video_file") and not value.get("embed"):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "video_file": blocks.BlockValidationError(
                        _("動画ファイルか埋め込みのどちらかを指定してください。")
                    )
                }
            )
        return value

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        label = _("動画")
        description = _("字幕と文字起こしを付けた動画")
        preview_value = {"title": "講座の紹介", "transcript": "<p>（文字起こし）</p>"}


class PointBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("見出し"), default="ポイント", max_length=60)
    text = blocks.RichTextBlock(label=_("内容"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "pick"
        template = "blocks/point_block.html"
        label = _("ポイント")
        description = _("覚えてほしい要点を囲みで示します。")
        preview_value = {"title": "ポイント", "text": "<p>解決しようとしなくて大丈夫です。</p>"}


class CaseStudyBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("事例の題名"), max_length=120)
    situation = blocks.RichTextBlock(label=_("どんな場面か"), features=RICH_TEXT_FEATURES)
    response = blocks.RichTextBlock(label=_("どう関わったか"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "user"
        template = "blocks/case_study_block.html"
        label = _("事例")
        description = _("身近な場面での気づきと関わり方の例")
        preview_value = {
            "title": "となりの高齢の方",
            "situation": "<p>最近、新聞がたまっている。</p>",
            "response": "<p>あいさつをしてみた。</p>",
        }


class ReflectionBlock(blocks.StructBlock):
    """個人ワーク: what the learner writes stays in their browser unless they choose to save it."""

    question = blocks.CharBlock(label=_("問いかけ"), max_length=300)
    hint = blocks.CharBlock(label=_("考えるヒント"), required=False, max_length=300)

    class Meta:
        icon = "edit"
        template = "blocks/reflection_block.html"
        label = _("個人ワーク")
        description = _("受講者が自分で考えて書く問い。回答は受講者が選ばない限り送信されません。")
        preview_value = {"question": "身近な人が困っていたら、あなたはどうしますか。", "hint": ""}


class ConsultationWindowsBlock(blocks.StructBlock):
    """The national windows and those of the learner's municipality, read from the snippets."""

    heading = blocks.CharBlock(label=_("見出し"), default="相談できる窓口", max_length=120)
    intro = blocks.CharBlock(label=_("説明"), required=False, max_length=300)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context["national_windows"], context["local_windows"], context["municipality"] = (
            windows_for_request(request)
        )
        return context

    class Meta:
        icon = "list-ul"
        template = "blocks/consultation_windows_block.html"
        label = _("相談窓口の一覧")
        description = _("全国の窓口と、受講者が選んだ市区町村の窓口を表示します。")
        preview_value = {"heading": "相談できる窓口", "intro": ""}


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("資料"))
    title = blocks.CharBlock(label=_("表示名"), required=False, max_length=120)
    description = blocks.CharBlock(label=_("説明"), required=False, max_length=300)

    class Meta:
        icon = "doc-full"
        template = "blocks/document_block.html"
        label = _("ダウンロード資料")
        description = _("PDF などの資料（形式とサイズを表示します）")
        preview_value = {"title": "配布資料", "description": ""}


class FigureBlock(blocks.StructBlock):
    """One of the figures drawn for the project (courses/figures.py), as inline SVG."""

    figure = blocks.ChoiceBlock(label=_("図"), choices=figure_choices)
    caption = blocks.CharBlock(
        label=_("キャプション"),
        required=False,
        max_length=250,
        help_text=_(
            "空欄なら図の題名を出します。こども向けでは 漢字《かんじ》 でふりがなになります。"
        ),
    )

    class Meta:
        icon = "image"
        template = "blocks/figure_block.html"
        label = _("図")
        description = _(
            "孤独と孤立、5つの行動などの図。文章での説明（代替テキスト）付きで、"
            "こども向けのコースではこども向けの言葉で出ます。"
        )
        preview_value = {"figure": "kodoku-koritsu", "caption": ""}


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    video = VideoBlock()
    point = PointBlock()
    case_study = CaseStudyBlock()
    reflection = ReflectionBlock()
    consultation_windows = ConsultationWindowsBlock()
    document = DocumentBlock()
    figure = FigureBlock()


class ContentStreamBlock(blocks.StreamBlock):
    """Body of plain information pages (privacy, accessibility)."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    point = PointBlock()
    consultation_windows = ConsultationWindowsBlock()
    document = DocumentBlock()
