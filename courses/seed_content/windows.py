"""Consultation windows: national ones (municipality None) and Osaka City's, as listed in seed 003.

Phone numbers, hours and URLs stay empty where the sources do not state them; each municipality
fills in its own windows in the admin (スニペット → 相談窓口).
"""

WINDOWS = [
    {
        "municipality": None,
        "name": "孤独・孤立相談ダイヤル",
        "topics": "孤独や孤立に関する悩み",
        "phone": "#9999",
        "hours": "",
        "url": "",
        "description": (
            "孤独や孤立の悩みを電話で相談できる国の窓口です。"
            "毎年5月の孤独・孤立対策強化月間の前後など、決められた期間に開設されます。"
            "#9999につながらない電話からは、0120-494949におかけください。"
            "実施期間と受付時間は、ポータルサイト「あなたはひとりじゃない」でご確認ください。"
        ),
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
    },
    {
        "municipality": "271004",
        "name": "地域包括支援センター",
        "topics": "高齢者の介護に関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "高齢の方やその家族から、介護や日々の暮らしについての相談を受ける窓口です。",
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
    },
    {
        "municipality": "271004",
        "name": "発達障がい者支援センター",
        "topics": "発達障がいに関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "発達障がいのある方やその家族、関係者からの相談を受ける窓口です。",
    },
    {
        "municipality": "271004",
        "name": "大阪市こころの健康センター",
        "topics": "こころの悩みなど",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "こころの健康や、こころの悩みについて相談できる窓口です。",
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
    },
    {
        "municipality": "271004",
        "name": "地域保健活動担当・子育て支援室",
        "topics": "妊娠・出産・子育てに関すること",
        "phone": "",
        "hours": "",
        "url": "",
        "description": "妊娠や出産、子育ての悩みや不安について相談できる窓口です。",
    },
]
