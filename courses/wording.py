"""Wording for each audience: what a child reads in place of the general wording.

Templates keep their general wording (and its translations) and wrap it in
``{% wording "key" %}…{% endwording %}``; in a course whose audience is ``children`` (and in
Japanese) the tag prints the entry of ``CHILDREN`` instead, with furigana written as
漢字《かんじ》 and rendered as ``<ruby>``. Python code (outline steps, the certificate) asks
``for_course``. One catalogue, no copies of templates.

Every kanji in these entries carries its reading, one word at a time (a child reads the
reading of the word they are stuck on, not of a whole phrase).
"""

from datetime import datetime

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .audiences import Audience
from .ruby import render_ruby, strip_ruby

CHILDREN_AUDIENCE = Audience.CHILDREN

CHILDREN = {
    # Site header and footer
    "skip_to_main": "本文《ほんぶん》へ すすむ",
    "course_list": "コースの一覧《いちらん》",
    "course_finder": "近《ちか》くの講座《こうざ》",
    "help_heading": "こまったときは、ひとりで なやまないで",
    "help_children_intro": (
        "話《はな》を聞《き》いてくれる大人《おとな》がいます。"
        "名前《なまえ》を言《い》わなくても だいじょうぶです。"
    ),
    "help_under18": "18さいまでの人《ひと》のための 相談先《そうだんさき》（国《くに》のページ）",
    "help_dial": "電話《でんわ》で 相談《そうだん》できるところ",
    "help_dial_note": "いつでも つながるとは かぎりません。つながらないときは、下《した》の番号《ばんごう》へ。",
    # Course page
    "audience_tag": "こども向《む》け",
    "lessons_and_minutes": "{lessons}つの レッスン・{minutes_ruby}ぐらい",
    "completed_on": "{date_ruby}に、さいごまで 終《お》わりました。",
    "resume": "つづきから 学《まな》ぶ：{lesson}",
    "start_course": "レッスンを 始《はじ》める",
    "start_note": (
        "アカウントは いりません。どこまで 進《すす》んだかは、このスマートフォンや"
        "パソコンに 記録《きろく》されます。つぎに 開《ひら》くと、つづきから 学《まな》べます。"
    ),
    "start_note_account": (
        "どこまで 進《すす》んだかは、あなたの アカウントに 記録《きろく》されます。"
        "べつの スマートフォンや パソコンから ログインしても、つづきから 学《まな》べます。"
    ),
    "learning_goals": "このコースで できるように なること",
    "progress": "{total}つの レッスンのうち {done}つ 終《お》わり（{percent}%）",
    "toc_completed": "終《お》わった",
    "toc_started": "とちゅう",
    "toc_new": "まだ",
    "toc_minutes": "{minutes_ruby}ぐらい",
    # Lesson page
    "lesson_toc": "このコースの レッスン",
    "lesson_finish_heading": "このレッスンを 終《お》える",
    "lesson_done": "このレッスンは もう 終《お》わっています。",
    "complete_and_next": "このレッスンを 終《お》えて、つぎへ 進《すす》む",
    "complete": "このレッスンを 終《お》える",
    "previous_lesson": "前《まえ》のレッスン",
    "next_lesson": "つぎのレッスン",
    "back_to_course": "コースの はじめに もどる",
    "message_course_completed": "おめでとう！「{course}」を さいごまで 終《お》えました。",
    "message_lessons_left": "まだ 終《お》わっていない レッスンが あります。",
    "message_reflection_saved": (
        "答《こた》えを 保存《ほぞん》しました。「マイページ」から いつでも 消《け》せます。"
    ),
    "message_reflection_deleted": "保存《ほぞん》していた 答《こた》えを 消《け》しました。",
    # Lesson blocks
    "case_label": "こんな お話《はなし》",
    "case_situation": "どんな ようす？",
    "case_response": "どうしたかな？",
    "reflection_label": "自分《じぶん》で 考《かんが》えてみよう",
    "reflection_privacy": (
        "書《か》いたことは、このスマートフォンや パソコンの中《なか》だけに のこります。"
        "ほかの人《ひと》には 見《み》えません。書《か》きたくないときは、"
        "書《か》かなくても だいじょうぶです。とっておきたいときだけ、下《した》のボタンで "
        "保存《ほぞん》できます（マイページから いつでも 消《け》せます）。"
    ),
    "reflection_save": "この答《こた》えを 保存《ほぞん》する",
    # Consultation windows (the names and hours are the windows' own data)
    "windows_national": "全国《ぜんこく》の 相談先《そうだんさき》",
    "windows_local": "{name}の 相談先《そうだんさき》",
    "windows_local_none": (
        "この まちの 相談先《そうだんさき》は、まだ のっていません。"
        "先生《せんせい》や 家《いえ》の人《ひと》、上《うえ》の 電話《でんわ》に 相談《そうだん》してね。"
    ),
    "windows_register": (
        "すんでいる 市区町村《しくちょうそん》を "
        '<a href="{profile_url}">登録《とうろく》</a>すると、'
        "その まちの 相談先《そうだんさき》が ここに 出《で》ます。"
    ),
    "window_phone": "電話《でんわ》",
    "window_hours": "受付《うけつけ》",
    "window_web": "ウェブ",
    "window_none": "のっている 相談先《そうだんさき》は ありません。",
    # Quiz
    "quiz_question_count": "問題《もんだい》の数《かず》",
    "quiz_question_count_value": "{n}問《もん》",
    "quiz_pass_mark": "合格《ごうかく》ライン",
    "quiz_attempt_limit": "チャレンジできる回数《かいすう》",
    "quiz_attempt_limit_value": "{n}回《かい》まで（これまで {used}回《かい》）",
    "quiz_not_required": "クイズとの かんけい",
    "quiz_not_required_value": (
        "わかったかを たしかめる クイズです。けっかに かかわらず、"
        "レッスンを 終《お》えれば 修了《しゅうりょう》です。"
    ),
    "quiz_start": "クイズを 始《はじ》める",
    "quiz_retry": "もう一度《いちど》 チャレンジする",
    "quiz_history": "これまでの けっか",
    "quiz_passed": "合格《ごうかく》",
    "quiz_failed": "もう少《すこ》し",
    "quiz_history_when": "{date_ruby} {time}",
    "quiz_retry_at": "{date_ruby} {time}から、また チャレンジできます。",
    "quiz_intro": (
        "ぜんぶで {n}問《もん》です。{mark}%できれば 合格《ごうかく》です。"
        "ぜんぶの問題《もんだい》に 答《こた》えてから、「答《こた》えあわせ」を おしてください。"
    ),
    "quiz_missing": "まだ 答《こた》えていない 問題《もんだい》が あります",
    "quiz_question_number": "問《もん》{n}",
    "quiz_pick_all": "（あてはまるものを ぜんぶ えらんでね）",
    "quiz_pick_one": "（1つ えらんでね）",
    "quiz_answer_this": "この問題《もんだい》に 答《こた》えてね。",
    "quiz_submit": "答《こた》えあわせ",
    "quiz_result_title": "クイズの けっか",
    "quiz_result_crumb": "けっか",
    "quiz_score": "とくてん：{score}%",
    "quiz_score_questions": "{total}問《もん》の うち {n}問《もん》 せいかい",
    "quiz_score_partial": "（ほかに 少《すこ》し あっていたのが {n}問《もん》）",
    "quiz_pass_line": "{total}問《もん》の うち {needed}問《もん》 せいかいで 合格《ごうかく》です。",
    "quiz_verdict_failed_now": "今回《こんかい》は あと少《すこ》しでした。",
    "quiz_history_score": "{total}問《もん》の うち {n}問《もん》 せいかい",
    "quiz_achievement": "レッスンと クイズを ぜんぶ 終《お》えて、「{course}」を 修了《しゅうりょう》しました。おつかれさまでした！",
    "quiz_passed_lessons_left": (
        "クイズに 合格《ごうかく》しました。まだ 終《お》わっていない レッスンが あります。"
        "ぜんぶの レッスンを 終《お》えると 修了《しゅうりょう》です。"
    ),
    "quiz_reflection_heading": "ふりかえりと せつめい",
    "quiz_marks_heading": "ふりかえり",
    "quiz_key_later": (
        "どの 問題《もんだい》を まちがえたかを 見《み》て、レッスンを 読《よ》みなおしてみよう。"
        "せいかいは、合格《ごうかく》したあと（または さいごの 回《かい》のあと）に 見《み》られます。"
    ),
    "quiz_your_answer": "あなたの 答《こた》え：",
    "quiz_verdict_passed": "合格《ごうかく》です。よく がんばりました！",
    "quiz_verdict_failed": (
        "今回《こんかい》は あと少《すこ》しでした（{mark}%で 合格《ごうかく》）。"
        "もう一度《いちど》 チャレンジできます。"
    ),
    "quiz_next_heading": "つぎに すること",
    "quiz_course_completed": "「{course}」を さいごまで 終《お》えました。おつかれさまでした！",
    "quiz_check_my_page": "マイページで たしかめる",
    "quiz_lessons_left": (
        "まだ 終《お》わっていない レッスンが あります。"
        "ぜんぶの レッスンを 終《お》えると 修了《しゅうりょう》です。"
    ),
    "quiz_back_to_course": "コースに もどる",
    "quiz_review_lessons": "つぎの レッスンを 読《よ》みなおしてから、もう一度《いちど》 やってみよう。",
    "quiz_answers_heading": "答《こた》えと せつめい",
    "quiz_answer_correct": "せいかい",
    "quiz_answer_partial": "おしい（{p}点《てん》）",
    "quiz_answer_wrong": "ざんねん",
    "quiz_correct_choice": "（これが せいかい）",
    "quiz_your_choice": "← あなたの 答《こた》え",
    "quiz_explanation": "せつめい",
    # Course outline steps (the quiz, the questionnaire, the certificate)
    "step_quiz_required": "合格《ごうかく》すると 修了《しゅうりょう》です。",
    "step_quiz_optional": "わかったかを たしかめる クイズです（修了《しゅうりょう》の 条件《じょうけん》ではありません）。",
    "step_questionnaire_about": "この コースを よくするために、かんそうを 教《おし》えてね（名前《なまえ》は 書《か》きません）。",
    "step_certificate_serial": "修了証《しゅうりょうしょう》の 番号《ばんごう》：{serial}",
    "step_passed": "合格《ごうかく》",
    "step_not_passed": "まだ",
    "step_not_tried": "まだ やっていない",
    "step_quiz_review": "けっかを 見《み》る・もう一度《いちど》 チャレンジする",
    "step_quiz_go": "クイズへ 進《すす》む",
    "step_questionnaire_answered": "答《こた》えてくれて ありがとう",
    "step_questionnaire_optional": "答《こた》えなくても いいです",
    "step_questionnaire_answer": "かんそうを 書《か》く",
    "step_questionnaire_view": "かんそうを 見《み》る",
    "step_certificate_issued": "もう 受《う》け取《と》りました",
    "step_certificate_ready": "受《う》け取《と》れます",
    "step_certificate_view": "修了証《しゅうりょうしょう》を 見《み》る",
    "step_certificate_claim": "修了証《しゅうりょうしょう》を 受《う》け取《と》る",
    # Certificate claim form
    "claim_title": "修了証《しゅうりょうしょう》を 受《う》け取《と》る",
    "claim_lead": (
        "「{course}」を さいごまで 学《まな》んだ しるしの 修了証《しゅうりょうしょう》を "
        "つくります。修了証《しゅうりょうしょう》に のせる 名前《なまえ》を 書《か》いて、"
        "すんでいる 市区町村《しくちょうそん》と 区分《くぶん》を たしかめてください。"
    ),
    "claim_note": (
        "名前《なまえ》は、本当《ほんとう》の名前《なまえ》でなく、ニックネームに してください。"
        "書《か》かなくても だいじょうぶです。市区町村《しくちょうそん》は、"
        "地域《ちいき》ごとの サポーターの数《かず》を 数《かぞ》えるためだけに 使《つか》います"
        "（だれなのかは わかりません）。"
    ),
    # The learner's details form (claim form): labels and help, by field name
    "field_prefecture_label": "都道府県《とどうふけん》",
    "field_prefecture_help": "市区町村《しくちょうそん》を さがしやすく します。",
    "field_municipality_label": "すんでいる 市区町村《しくちょうそん》",
    "field_municipality_help": (
        "その まちの 相談先《そうだんさき》を 見《み》せたり、"
        "地域《ちいき》ごとの 人数《にんずう》を 数《かぞ》えたり するのに 使《つか》います。"
    ),
    "field_attendee_type_label": "区分《くぶん》",
    "field_attendee_type_help": "数《かぞ》えるのに だけ 使《つか》います。「こども」を えらんでね。",
    "field_display_name_label": "修了証《しゅうりょうしょう》に のせる 名前《なまえ》",
    "field_display_name_help": (
        "本当《ほんとう》の 名前《なまえ》ではなく、ニックネームに してね。"
        "書《か》かなくても いいです。"
    ),
    "claim_submit": "この ないようで 修了証《しゅうりょうしょう》を つくる",
    # The learner's own certificate page (after the claim form)
    "message_certificate_issued": "修了証《しゅうりょうしょう》が できました。",
    "mine_lead": "「{course}」の 修了証《しゅうりょうしょう》です。",
    "mine_pdf": "修了証《しゅうりょうしょう》（PDF）を ダウンロードする",
    "mine_card": "サポーターカード（カードの 大《おお》きさ・A4に 2まい）",
    "mine_card_no_name": "名前《なまえ》なし",
    "mine_credential": "デジタルの しょうめい（Open Badges の JSON）",
    "mine_serial": "修了証《しゅうりょうしょう》の 番号《ばんごう》",
    "mine_verify": "たしかめる ページの URL",
    "mine_browser_only": (
        "アカウントなしで 学《まな》んでいるので、この 修了証《しゅうりょうしょう》は、"
        "この ブラウザの「マイページ」だけに 出《で》ます。PDFを 保存《ほぞん》するか、"
        "たしかめる ページの URLを メモしておいてね。"
    ),
    # The certificate and the card of the children's course
    "certificate_title": "修了証《しゅうりょうしょう》",
    "certificate_body": "あなたは「{course}」を さいごまで 学《まな》びました。",
    "certificate_honorific": "さん",
    "certificate_serial": "番号《ばんごう》",
    "certificate_verify": "たしかめる ページ",
    # Check-in at an in-person course (events: the attendee's phone)
    "checkin_title": "受付《うけつけ》",
    "checkin_when": "{date_ruby} {start}〜{end}",
    "checkin_code_lead": (
        "会場《かいじょう》の 画面《がめん》に 出《で》ている、または 先生《せんせい》が "
        "言《い》う 4けたの 番号《ばんごう》を 入《い》れてください。"
    ),
    "checkin_code_label": "番号《ばんごう》（4けた）",
    "checkin_code_next": "つぎへ",
    "checkin_code_wrong": (
        "番号《ばんごう》が ちがうか、もう かわりました。画面《がめん》の "
        "あたらしい 番号《ばんごう》を 入《い》れてね。"
    ),
    "checkin_codes_exhausted": (
        "番号《ばんごう》を なんども まちがえたので、しばらく 入《い》れられません。"
        "先生《せんせい》に 声《こえ》を かけてね。"
    ),
    "checkin_confirm": "この 講座《こうざ》に 受付《うけつけ》します",
    "checkin_type_legend": "あなたの 区分《くぶん》",
    "checkin_age_legend": "年《とし》（答《こた》えなくても いいです）",
    "checkin_gender_legend": "性別《せいべつ》（答《こた》えなくても いいです）",
    "checkin_no_answer": "答《こた》えない",
    "checkin_privacy": (
        "名前《なまえ》は 聞《き》きません。えらんだ ことは、講座《こうざ》に 来《き》た "
        "人《ひと》の 数《かず》を 数《かぞ》えるためだけに 使《つか》います。"
    ),
    "checkin_submit": "受付《うけつけ》する",
    "checkin_expired": (
        "時間《じかん》が たちすぎました。もう一度《いちど》 番号《ばんごう》を 入《い》れてね。"
    ),
    "checkin_not_yet": "受付《うけつけ》は {opens}から です。",
    "checkin_over": "受付《うけつけ》は {closes}で 終《お》わりました。",
    "checkin_cancelled": "この 講座《こうざ》は 中止《ちゅうし》に なりました。",
    "checkin_full": (
        "人数《にんずう》が いっぱいに なりました。先生《せんせい》に 声《こえ》を かけてね。"
    ),
    "checkin_too_many": (
        "同《おな》じ 場所《ばしょ》から たくさんの 受付《うけつけ》が ありました。"
        "先生《せんせい》に 声《こえ》を かけてね。"
    ),
    "checkin_done_title": "受付《うけつけ》しました",
    "checkin_done_lead": "ようこそ。講座《こうざ》に 来《き》た 人《ひと》として 数《かぞ》えました。",
    "checkin_card_heading": "サポーターカードを もらう",
    "checkin_card_lead": (
        "カードに 名前《なまえ》を 入《い》れたいときだけ 書《か》いてね"
        "（ニックネームで いいです。書《か》かなくても だいじょうぶです）。"
    ),
    "checkin_card_submit": "カードを もらう",
    "checkin_card_ready": "サポーターカードが できました。",
    "checkin_questionnaire": "アンケートに 答《こた》える",
    "checkin_this_browser": (
        "この ページは、受付《うけつけ》した この ブラウザでだけ 開《ひら》けます。"
        "カードの PDFを 保存《ほぞん》しておいてね。"
    ),
    # The held course's questionnaire (events: the attendee's own page after check-in)
    "questionnaire_title": "講座《こうざ》の アンケート",
    "questionnaire_lead": (
        "講座《こうざ》の 感想《かんそう》を 教《おし》えてね。名前《なまえ》は 聞《き》きません。"
        "答《こた》えは 一回《いっかい》だけ 送《おく》れます。"
    ),
    "questionnaire_understanding_legend": "講座《こうざ》の お話《はなし》は 分《わ》かりましたか",
    "questionnaire_satisfaction_legend": "講座《こうざ》は よかったですか",
    "questionnaire_reach_out_legend": (
        "こまっている 人《ひと》が いたら、声《こえ》を かけてみようと 思《おも》いますか"
    ),
    "questionnaire_choice_understanding_well": "よく 分《わ》かった",
    "questionnaire_choice_understanding_mostly": "だいたい 分《わ》かった",
    "questionnaire_choice_understanding_little": "あまり 分《わ》からなかった",
    "questionnaire_choice_understanding_not": "分《わ》からなかった",
    "questionnaire_choice_satisfaction_very": "とても よかった",
    "questionnaire_choice_satisfaction_satisfied": "よかった",
    "questionnaire_choice_satisfaction_little": "あまり よくなかった",
    "questionnaire_choice_satisfaction_not": "よくなかった",
    "questionnaire_choice_reach_out_yes": "声《こえ》を かけてみたい",
    "questionnaire_choice_reach_out_maybe": "できそうなら かけてみたい",
    "questionnaire_choice_reach_out_not_yet": "まだ ちょっと むずかしい",
    "questionnaire_comment_label": "感想《かんそう》（書《か》かなくても いいです）",
    "questionnaire_comment_help": (
        "だれかの 名前《なまえ》は 書《か》かないでね。{max}文字《もじ》まで 書《か》けます。"
    ),
    "questionnaire_submit": "送《おく》る",
    "questionnaire_thanks": "答《こた》えてくれて ありがとう。",
    "questionnaire_already": "この アンケートには もう 答《こた》えています。",
    "questionnaire_closed": "この 講座《こうざ》の アンケートは もう 終《お》わりました。",
    "questionnaire_back": "受付《うけつけ》の ページに もどる",
    "checkin_questionnaire_answered": "アンケートに 答《こた》えました。ありがとう。",
    # The check-in form's choices (attendee types, age bands, genders), by value
    "checkin_choice_general": "一般《いっぱん》",
    "checkin_choice_workplace": "会社《かいしゃ》・職場《しょくば》",
    "checkin_choice_school": "学校《がっこう》・学生《がくせい》",
    "checkin_choice_government": "役所《やくしょ》の 人《ひと》",
    "checkin_choice_npo": "NPO・支援者《しえんしゃ》",
    "checkin_choice_child": "こども",
    "checkin_choice_other": "その他《た》",
    "checkin_choice_age_under_20": "10代《だい》より 下《した》",
    "checkin_choice_age_20s": "20代《だい》",
    "checkin_choice_age_30s": "30代《だい》",
    "checkin_choice_age_40s": "40代《だい》",
    "checkin_choice_age_50s": "50代《だい》",
    "checkin_choice_age_60s": "60代《だい》",
    "checkin_choice_age_70_plus": "70代《だい》より 上《うえ》",
    "checkin_choice_gender_female": "女性《じょせい》",
    "checkin_choice_gender_male": "男性《だんせい》",
    "checkin_choice_gender_other": "その他《た》",
    "field_name_label": "カードに のせる 名前《なまえ》（書《か》かなくても いいです）",
}

_DAY_READINGS = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}
_MONTH_READINGS = {4: "しがつ", 7: "しちがつ", 9: "くがつ"}


def minutes_with_ruby(minutes: int) -> str:
    """「5分《ふん》」「4分《ぷん》」: 分 is read ふん or ぷん after the number."""
    reading = "ふん" if int(minutes) % 10 in (2, 5, 7, 9) else "ぷん"
    return f"{minutes}分《{reading}》"


def date_with_ruby(day) -> str:
    """A date as 2026年《ねん》12月《がつ》2日《ふつか》 (the day's reading as said aloud)."""
    month = _MONTH_READINGS.get(day.month, "がつ")
    return f"{day.year}年《ねん》{day.month}月《{month}》{day.day}日《{_DAY_READINGS.get(day.day, 'にち')}》"


def is_children(audience: str | None) -> bool:
    """The children's wording applies to a children's course read in Japanese."""
    return audience == CHILDREN_AUDIENCE and (get_language() or "ja").startswith("ja")


def _values(params: dict) -> dict:
    values = {name: "" if value is None else value for name, value in params.items()}
    if "minutes" in values:
        values.setdefault("minutes_ruby", minutes_with_ruby(values["minutes"]))
    if "date" in values and hasattr(values["date"], "year"):
        day = values["date"]
        if isinstance(day, datetime):
            day = timezone.localtime(day).date()  # the date as the learner's clock shows it
        values.setdefault("date_ruby", date_with_ruby(day))
    return values


def children_text(key: str, **params) -> str:
    """The entry ``key`` with ``{name}`` filled in, still in 漢字《かんじ》 notation (for the
    PDF, which draws readings itself)."""
    return CHILDREN[key].format(**_values(params))


def children_html(key: str, **params) -> SafeString:
    """The entry ``key`` as HTML with ``<ruby>``. The entries are this module's own HTML;
    each parameter is escaped (and its 漢字《かんじ》 rendered) before it is put in."""
    values = {name: render_ruby(value) for name, value in _values(params).items()}
    # Safe: the entry is written here, and every value was escaped by render_ruby.
    return render_ruby(mark_safe(CHILDREN[key].format(**values)))  # noqa: S308


def for_course(course, key: str, general, /, **params):
    """What a step or label of ``course`` says: the children's entry (as HTML with ruby) in
    a children's course, else ``general`` (translated and filled in by the caller)."""
    if is_children(getattr(course, "audience", None)) and key in CHILDREN:
        return children_html(key, **params)
    return general


def audience_of_context(context) -> str | None:
    """The audience of the course a template is showing: an explicit ``wording_audience``,
    else the ``course`` (or course ``page``), else the course of the ``certificate``."""
    explicit = context.get("wording_audience")
    if explicit:
        return explicit
    for name in ("course", "page"):
        audience = getattr(context.get(name), "audience", None)
        if isinstance(audience, str):
            return audience
    certificate = context.get("certificate")
    completion = getattr(certificate, "completion", None)
    return getattr(getattr(completion, "course", None), "audience", None)


def title_for(audience: str | None, value) -> SafeString | str:
    """A title as the audience reads it: with ruby for children, plain for everyone else."""
    return render_ruby(value) if is_children(audience) else strip_ruby(value)
