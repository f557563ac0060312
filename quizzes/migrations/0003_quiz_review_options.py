"""Per-quiz review options (what the result page shows after a failure and after the last
try) replace the single 「解答後に解説を表示する」 switch."""

from django.db import migrations, models


def keep_hidden_answers_hidden(apps, schema_editor):
    """A quiz that showed no answers and explanations keeps showing the score only."""
    QuizPage = apps.get_model("quizzes", "QuizPage")
    QuizPage.objects.filter(show_explanations=False).update(
        review_after_failure="score", review_after_final="score"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0002_questionnairepage_questionnairefield'),
    ]

    operations = [
        migrations.AddField(
            model_name='quizpage',
            name='review_after_failure',
            field=models.CharField(choices=[('score', '得点だけ'), ('marks', 'どの問題が正解・不正解だったか'), ('explanations', '正解・不正解と解説（正解の選択肢は見せない）'), ('answer_key', '正解の選択肢と解説（解答をすべて見せる）')], default='explanations', help_text='正解の選択肢まで見せると、次の回は読まずに合格できてしまいます。解説に正解そのものを書かないようにすると、見直しの助けになります。', max_length=16, verbose_name='不合格のあと（まだ受けられるとき）に見せるもの'),
        ),
        migrations.AddField(
            model_name='quizpage',
            name='review_after_final',
            field=models.CharField(choices=[('score', '得点だけ'), ('marks', 'どの問題が正解・不正解だったか'), ('explanations', '正解・不正解と解説（正解の選択肢は見せない）'), ('answer_key', '正解の選択肢と解説（解答をすべて見せる）')], default='answer_key', help_text='受験できる回数を使い切ったときも、こちらの設定で見せます。', max_length=16, verbose_name='合格したあと・最後の回を終えたあとに見せるもの'),
        ),
        migrations.RunPython(keep_hidden_answers_hidden, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='quizpage',
            name='show_explanations',
        ),
    ]
