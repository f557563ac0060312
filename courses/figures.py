"""Figures drawn for the project, as inline SVG: the four kinds of つながり and what weakens
them, 孤独 and 孤立, the five actions, and where to turn.

Each figure has a general and a children's wording (all in kana, since SVG text cannot carry
ruby). The SVG is an image to assistive technology (``role="img"``) whose ``<title>`` and
``<desc>`` say everything the drawing shows; it is drawn in a 320-unit-wide box that scales to
the width of the page, so its text stays at about body size on a 360 px phone. Nothing is
loaded from anywhere: the drawing is part of the page.
"""

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

WIDTH = 320
INK = "#1b1b1b"
FRAME = "#1f3a5f"
FILLS = ["#eef4fb", "#fdf4ee", "#eef7ee", "#f7f0fb", "#fff8e1"]
DANGER = "#b3261e"


@dataclass(frozen=True)
class Wording:
    title: str
    desc: str
    labels: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    slug: str
    name: str  # as the editor picks it in the admin
    general: Wording
    children: Wording


def _text(x, y, text, size=15, bold=False, anchor="middle", fill=INK) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        f"{weight}>{escape(text)}</text>"
    )


def _box(x, y, w, h, lines, fill, stroke=FRAME, stroke_width=2) -> str:
    """A rounded box with its lines (text, size, bold) centred in it."""
    parts = [
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
    ]
    total = sum(size * 1.35 for _text_, size, _bold in lines)
    baseline = y + (h - total) / 2
    for text, size, bold in lines:
        baseline += size * 1.35
        parts.append(_text(x + w / 2, round(baseline - size * 0.3, 1), text, size, bold))
    return "".join(parts)


def _arrow(x, y1, y2) -> str:
    return (
        f'<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2 - 6}" stroke="{FRAME}" stroke-width="2"/>'
        f'<path d="M{x - 6} {y2 - 8} L{x + 6} {y2 - 8} L{x} {y2} Z" fill="{FRAME}"/>'
    )


def _draw_ties(labels) -> tuple[int, list[str]]:
    centre_x, centre_y = WIDTH / 2, 130
    corners = [(10, 20), (170, 20), (10, 184), (170, 184)]
    parts = []
    for x, y in corners:
        parts.append(
            f'<line x1="{centre_x}" y1="{centre_y}" x2="{x + 70}" y2="{y + 28}" '
            f'stroke="{FRAME}" stroke-width="2" stroke-dasharray="5 4"/>'
        )
    for (x, y), text, fill in zip(corners, labels["ties"], FILLS[:4], strict=True):
        parts.append(_box(x, y, 140, 56, [(text, 15, True)], fill))
    parts.append(
        f'<circle cx="{centre_x}" cy="{centre_y}" r="38" fill="#ffffff" '
        f'stroke="{FRAME}" stroke-width="3"/>'
    )
    parts.append(_text(centre_x, centre_y + 6, labels["me"], 16, True))
    lines = [(labels["weakens"], 15, True)] + [(item, 14, False) for item in labels["causes"]]
    parts.append(_box(10, 262, 300, 136, lines, FILLS[4]))
    return 410, parts


def _draw_two_states(labels) -> tuple[int, list[str]]:
    parts = []
    for index, (name, lines) in enumerate(labels["states"]):
        y = 10 + index * 140
        parts.append(
            _box(
                10, y, 300, 124, [(name, 18, True)] + [(t, 14, False) for t in lines], FILLS[index]
            )
        )
    parts.append(_text(WIDTH / 2, 310, labels["both"][0], 14, True))
    parts.append(_text(WIDTH / 2, 332, labels["both"][1], 14, True))
    return 346, parts


def _draw_five_actions(labels) -> tuple[int, list[str]]:
    parts = []
    for index, (name, what) in enumerate(labels["actions"]):
        y = 10 + index * 66
        parts.append(_box(10, y, 300, 52, [(name, 16, True), (what, 13, False)], FILLS[index]))
        parts.append(
            f'<circle cx="32" cy="{y + 26}" r="13" fill="{FRAME}"/>'
            + _text(32, y + 31, str(index + 1), 14, True, fill="#ffffff")
        )
        if index < 4:
            parts.append(_arrow(WIDTH / 2, y + 52, y + 66))
    parts.append(_text(WIDTH / 2, 356, labels["one"], 13, True))
    return 370, parts


def _draw_where_to_turn(labels) -> tuple[int, list[str]]:
    parts = []
    places = labels["places"]
    for index, (name, who) in enumerate(places):
        y = 10 + index * 70
        danger = index == len(places) - 1
        parts.append(
            _box(
                10,
                y,
                300,
                58,
                [(name, 16, True), (who, 13, False)],
                "#ffffff" if danger else FILLS[index],
                stroke=DANGER if danger else FRAME,
                stroke_width=3 if danger else 2,
            )
        )
    return 10 + len(places) * 70, parts


FIGURES = {
    "tsunagari": Figure(
        "tsunagari",
        _("4つのつながりと、弱まるきっかけ"),
        Wording(
            "4つのつながりと、弱まるきっかけ",
            "「わたし」のまわりに、家族・親族、近所・地域、職場・学校、友人・趣味の仲間という"
            "4つのつながりがあります。引っ越し・進学・就職、退職・転職・失業、家族との死別・離別、"
            "病気・けが・介護などは、つながりが弱まるきっかけになります。",
            {
                "me": "わたし",
                "ties": ["家族・親族", "近所・地域", "職場・学校", "友人・趣味の仲間"],
                "weakens": "つながりが弱まるきっかけ",
                "causes": [
                    "引っ越し・進学・就職",
                    "退職・転職・失業",
                    "家族との死別・離別",
                    "病気・けが・介護",
                ],
            },
        ),
        Wording(
            "4つの つながりと、よわくなる きっかけ",
            "「わたし」の まわりには、かぞく・しんせき、きんじょ・ちいき、がっこう・クラブ、"
            "ともだち・しゅみの なかまという 4つの つながりが あります。ひっこしや てんこう、"
            "クラスがえ、けんかや いじめ、かぞくの ようすが かわることで、"
            "つながりが よわくなる ことが あります。",
            {
                "me": "わたし",
                "ties": [
                    "かぞく・しんせき",
                    "きんじょ・ちいき",
                    "がっこう・クラブ",
                    "ともだち・しゅみ",
                ],
                "weakens": "つながりが よわくなる きっかけ",
                "causes": [
                    "ひっこし・てんこう",
                    "クラスがえ",
                    "けんか・いじめ",
                    "かぞくの ようすが かわる",
                ],
            },
        ),
    ),
    "kodoku-koritsu": Figure(
        "kodoku-koritsu",
        _("孤独と孤立のちがい"),
        Wording(
            "孤独と孤立のちがい",
            "孤独は、ひとりぼっちだと感じる心の状態で、主観的なものです。周りに人がいても"
            "起こります。孤立は、つながりや助けが少ない状態で、客観的なものです。本人が孤独を"
            "感じていなくても起こります。片方だけのことも、両方が重なることもあります。",
            {
                "states": [
                    (
                        "孤独",
                        [
                            "ひとりぼっちだと感じる心の状態",
                            "（主観的なもの）",
                            "周りに人がいても起こります",
                        ],
                    ),
                    (
                        "孤立",
                        [
                            "つながりや助けが少ない状態",
                            "（客観的なもの）",
                            "孤独を感じていなくても起こります",
                        ],
                    ),
                ],
                "both": ["片方だけのことも、", "両方が重なることもあります"],
            },
        ),
        Wording(
            "「こどく」と「こりつ」の ちがい",
            "「こどく」は、ひとりぼっちだと かんじる、こころの ようすです。まわりに ひとが いても"
            " おこります。「こりつ」は、たすけてくれる ひとや、はなせる ひとが すくない ようすです。"
            "どちらか ひとつの ことも、りょうほうの ことも あります。",
            {
                "states": [
                    (
                        "こどく",
                        [
                            "ひとりぼっちだと かんじる",
                            "こころの ようす",
                            "まわりに ひとが いても おこります",
                        ],
                    ),
                    ("こりつ", ["たすけてくれる ひとや", "はなせる ひとが すくない", "ようす"]),
                ],
                "both": ["どちらか ひとつの ことも、", "りょうほうの ことも あります"],
            },
        ),
    ),
    "five-actions": Figure(
        "five-actions",
        _("5つの行動（気づき・声かけ・傾聴・つなぎ・見守り）"),
        Wording(
            "つながりサポーターの5つの行動",
            "1 気づき：いつもと違う様子に気づく。2 声かけ：「どうしたの？」と声をかける。"
            "3 傾聴：否定せず、話をじっくり聴く。4 つなぎ：相談先や支援につなぐ。"
            "5 見守り：その後も温かく見守る。どれか一つでも、大きな支えになります。",
            {
                "actions": [
                    ("気づき", "いつもと違う様子に気づく"),
                    ("声かけ", "「どうしたの？」と声をかける"),
                    ("傾聴", "否定せず、話をじっくり聴く"),
                    ("つなぎ", "相談先や支援につなぐ"),
                    ("見守り", "その後も温かく見守る"),
                ],
                "one": "どれか一つでも、大きな支えになります",
            },
        ),
        Wording(
            "つながりサポーターの 5つの こうどう",
            "1 きづく：いつもと ちがう ようすに きづく。2 こえを かける：「どうしたの？」と"
            " こえを かける。3 きく：さいごまで よく きく。4 つなぐ：しんらいできる おとなに"
            " つなぐ。5 みまもる：そのあとも そっと みまもる。ひとつ だけでも、おおきな ささえに"
            " なります。",
            {
                "actions": [
                    ("きづく", "いつもと ちがう ようすに きづく"),
                    ("こえを かける", "「どうしたの？」と こえを かける"),
                    ("きく", "さいごまで よく きく"),
                    ("つなぐ", "しんらいできる おとなに つなぐ"),
                    ("みまもる", "そのあとも そっと みまもる"),
                ],
                "one": "ひとつ だけでも、おおきな ささえに なります",
            },
        ),
    ),
    "where-to-turn": Figure(
        "where-to-turn",
        _("困ったときの相談先"),
        Wording(
            "困ったときの相談先",
            "身近な人（家族・友人・職場や学校の人）、地域（民生委員・地域包括支援センター・"
            "社会福祉協議会（社協））、市区町村の福祉や子育ての相談窓口、全国の電話・SNSの相談窓口に"
            "相談できます。命の危険があるときは、すぐに救急・警察へ連絡します。",
            {
                "places": [
                    ("身近な人", "家族・友人・職場や学校の人"),
                    ("地域", "民生委員・地域包括支援センター・社協"),
                    ("市区町村", "福祉や子育ての相談窓口"),
                    ("全国", "電話・SNSの相談窓口"),
                    ("命の危険があるとき", "すぐに救急・警察へ"),
                ],
            },
        ),
        Wording(
            "こまったときの そうだんさき",
            "みぢかな おとな（いえの ひと・せんせい）、がっこう（スクールカウンセラー・"
            "ほけんしつの せんせい）、まちの そうだんまどぐち（しやくしょ・じどうそうだんじょ）、"
            "でんわや SNSの そうだん（なまえを いわなくても だいじょうぶ）に そうだんできます。"
            "いのちが あぶないときは、すぐに きゅうきゅうしゃ・けいさつへ れんらくします。",
            {
                "places": [
                    ("みぢかな おとな", "いえの ひと・せんせい"),
                    ("がっこう", "スクールカウンセラー・ほけんしつ"),
                    ("まちの そうだんまどぐち", "しやくしょ・じどうそうだんじょ"),
                    ("でんわ・SNSの そうだん", "なまえを いわなくても だいじょうぶ"),
                    ("いのちが あぶないとき", "すぐに きゅうきゅうしゃ・けいさつへ"),
                ],
            },
        ),
    ),
}

_DRAW = {
    "tsunagari": _draw_ties,
    "kodoku-koritsu": _draw_two_states,
    "five-actions": _draw_five_actions,
    "where-to-turn": _draw_where_to_turn,
}


def figure_choices() -> list[tuple[str, str]]:
    """The figures an editor can place in a lesson."""
    return [(slug, figure.name) for slug, figure in FIGURES.items()]


def render_figure(slug: str, *, children: bool, element_id: str) -> SafeString:
    """The figure as inline SVG with its text alternative (empty for an unknown figure)."""
    figure = FIGURES.get(slug)
    if figure is None:
        return mark_safe("")
    wording = figure.children if children else figure.general
    height, parts = _DRAW[slug](wording.labels)
    element_id = escape(element_id)
    # Safe: every text was escaped by _text and escape(); the rest is our own markup.
    return mark_safe(  # noqa: S308
        f'<svg class="figure__svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{element_id}-title {element_id}-desc" focusable="false">'
        f'<title id="{element_id}-title">{escape(wording.title)}</title>'
        f'<desc id="{element_id}-desc">{escape(wording.desc)}</desc>' + "".join(parts) + "</svg>"
    )
