"""Consultation windows: national ones (municipality None) and Osaka City's, as listed in seed 003.

Every phone number and every opening time here was read on the public page named in
``source_url`` on the day in ``checked_on``; nothing is written from memory. Operators edit
and re-check them in the admin (相談窓口), where both fields are shown.

The emergency numbers and the 24-hour lines come first: a person in crisis should not have to
read past the portal to find a number that answers now.

Seed 003 names Osaka City's windows but none of their numbers, and no official page with them
was found: they are seeded inactive (not shown to learners) until Osaka City enters a phone
number or website for each; the admin list marks them.
"""

from datetime import date

# The day the numbers below were compared with their source pages.
CHECKED_ON = date(2026, 12, 2)

# 草津市「110番通報（事件・事故）119番（消防・救急）の緊急通報の適正利用について」
EMERGENCY_SOURCE = (
    "https://www.city.kusatsu.shiga.jp/kurashi/bosai/shouboukyuukyuu/kinkyutuhou.html"
)

WINDOWS = [
    {
        "municipality": None,
        "name": "救急・消防（119番）",
        "topics": "命の危険があるとき、急な病気やけが、火事",
        "phone": "119",
        "hours": "",
        "url": "",
        "description": (
            "命が危ないときや、すぐに手当てが必要なときに電話します。"
            "「救急です」と伝え、場所と様子を話してください。"
        ),
        "source_url": EMERGENCY_SOURCE,
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "警察（110番）",
        "topics": "事件や事故、身の危険を感じるとき",
        "phone": "110",
        "hours": "",
        "url": "",
        "description": (
            "事件や事故のとき、だれかに危害を加えられそうなときに電話します。"
            "落ち着いて、場所と何が起きているかを伝えてください。"
        ),
        "source_url": EMERGENCY_SOURCE,
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "よりそいホットライン",
        "topics": "暮らしの困りごと、死にたいほどつらい気持ちなど、どんな悩みでも",
        "phone": "0120-279-338",
        "hours": "24時間",
        "url": "",
        "description": (
            "どんな人の、どんな悩みでも聞いてくれる電話相談です。"
            "夜中でも休日でもつながります。フリーダイヤルです。"
        ),
        # 萩市「ひとりで悩まず相談を」（電話相談の一覧）
        "source_url": "https://hagi-city.site.ktaiwork.jp/archives/8505",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "自殺予防いのちの電話（フリーダイヤル）",
        "topics": "こころといのちの悩み",
        "phone": "0120-783-556",
        "hours": "毎日16時〜21時（毎月10日は8時から翌日8時まで）",
        "url": "",
        "description": (
            "一般社団法人日本いのちの電話連盟の電話相談です。"
            "生きるのがつらいと感じたときに、その気持ちを話せます。"
        ),
        # あきる野市「その悩み誰かに相談していますか？」
        "source_url": "https://www.city.akiruno.tokyo.jp/0000015267.html",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "こころの健康相談統一ダイヤル",
        "topics": "こころの健康、気持ちのつらさ",
        "phone": "0570-064-556",
        "hours": "都道府県・政令指定都市によって異なります",
        "url": "",
        "description": (
            "かけた場所の都道府県や政令指定都市が行う、こころの健康の電話相談につながります。"
            "ナビダイヤルのため、通話料がかかります。"
        ),
        # 厚生労働省 社会・援護局「こころの健康相談統一ダイヤルにおけるフリーダイヤルの導入
        # 及び相談体制等の強化」（令和8年度予算案の概要）
        "source_url": "https://www.mhlw.go.jp/wp/yosan/yosan/26syokanyosan/gaiyou.html",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "孤独・孤立相談ダイヤル",
        "topics": "孤独や孤立に関する悩み",
        "phone": "#9999",
        "hours": "開設期間中は24時間",
        "url": "",
        "description": (
            "国が決めた期間だけ開く電話相談です。"
            "毎年5月の孤独・孤立対策強化月間や、年末年始などに開かれます。"
            "開いている間は24時間、通話料は無料で、18歳以下の人の相談も受けます。"
            "#9999につながらない電話からは、0120-494949におかけください。"
            "今年の期間は、ポータルサイト「あなたはひとりじゃない」でご確認ください。"
        ),
        # 中城村「年末年始における相談窓口等について」（厚生労働省・内閣府の案内）
        "source_url": (
            "https://www.vill.nakagusuku.okinawa.jp/sp/detail.jsp"
            "?funcid=2&id=101524&type=TopicsTopPage"
        ),
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "孤独・孤立対策ポータルサイト「あなたはひとりじゃない」",
        "topics": "悩みに合った支援制度や相談窓口の案内",
        "phone": "",
        "hours": "",
        "url": "https://www.notalone-cao.go.jp/",
        "description": (
            "国（内閣府）のウェブサイトです。悩みに合った支援制度や相談窓口を探せます。"
            "質問に答えて相談先を案内するチャットボットもあります。"
            "18歳以下の方向けのページ（https://www.notalone-cao.go.jp/under18/）"
            "や外国語のページもあります。"
        ),
        "source_url": "https://www.notalone-cao.go.jp/",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "24時間子供SOSダイヤル",
        "topics": "いじめなど、こどもの悩み（こどもも保護者も）",
        "phone": "0120-0-78310",
        "hours": "24時間（夜や休みの日も）",
        "url": "",
        "description": (
            "こどもや保護者が、いつでも電話で相談できます。"
            "原則として、かけた場所の教育委員会の相談窓口につながります。"
            "つながらないときも、何度でもかけてください。"
        ),
        # 文部科学省「24時間子供SOSダイヤル」について
        "source_url": "https://www.mext.go.jp/a_menu/shotou/seitoshidou/1306988.htm",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "チャイルドライン",
        "topics": "18歳までのこどもの、どんな話でも",
        "phone": "0120-99-7777",
        "hours": "毎日16時〜21時（12月29日〜1月3日は休み）",
        "url": "",
        "description": (
            "18歳までのこどもがかける電話です。名前は言わなくてよく、ひみつは守られます。"
            "携帯電話や公衆電話からも無料です。"
        ),
        # 福島県チャイルドライン推進協議会（チャイルドラインの実施団体）
        "source_url": "http://www.cl-fukushima.org/suisinkyougikai/index.html",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": None,
        "name": "児童相談所虐待対応ダイヤル（189）",
        "topics": "こどもへの虐待かもしれないと思ったとき",
        "phone": "189",
        "hours": "24時間365日",
        "url": "",
        "description": (
            "虐待かもしれないと思ったら、すぐに電話してください。近くの児童相談所につながります。"
            "名前を言わずにかけることもでき、かけた人の秘密は守られます。通話料は無料です。"
        ),
        # 川口市「児童相談所虐待対応ダイヤル「189（いちはやく）」とは」
        "source_url": "https://www.city.kawaguchi.lg.jp/soshiki/01080/030/gyakutai/32717.html",
        "checked_on": CHECKED_ON,
    },
    {
        "municipality": "271004",
        "name": "地域包括支援センター",
        "topics": "高齢者の介護に関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "高齢の方やその家族から、介護や日々の暮らしについての相談を受ける窓口です。",
        "is_active": False,
    },
    {
        "municipality": "271004",
        "name": "障がい者基幹相談支援センター",
        "topics": "障がいに関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": (
            "障がいのある方やその家族から、暮らしや福祉サービスについての相談を受ける窓口です。"
        ),
        "is_active": False,
    },
    {
        "municipality": "271004",
        "name": "発達障がい者支援センター",
        "topics": "発達障がいに関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "発達障がいのある方やその家族、関係者からの相談を受ける窓口です。",
        "is_active": False,
    },
    {
        "municipality": "271004",
        "name": "大阪市こころの健康センター",
        "topics": "こころの悩みなど",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "こころの健康や、こころの悩みについて相談できる窓口です。",
        "is_active": False,
    },
    {
        "municipality": "271004",
        "name": "自立相談支援窓口",
        "topics": "生活の困りごとなど",
        "phone": "",
        "hours": "",
        "url": "",
        "description": (
            "仕事やお金、住まいなど、生活の困りごとを一緒に整理し、"
            "解決に向けた支援を考える窓口です。"
        ),
        "is_active": False,
    },
    {
        "municipality": "271004",
        "name": "地域保健活動担当・子育て支援室",
        "topics": "妊娠・出産・子育てに関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "妊娠や出産、子育ての悩みや不安について相談できる窓口です。",
        "is_active": False,
    },
]
