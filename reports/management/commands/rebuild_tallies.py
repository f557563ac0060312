"""``manage.py rebuild_tallies [--verify] [--fiscal-year N]``: recount the supporter tallies from
completions and session reports, or (``--verify``) only compare them and report differences."""

from django.core.management.base import BaseCommand, CommandError

from reports import tallies


class Command(BaseCommand):
    help = "集計表（日別・月別）を元データから作り直します。--verify は比較のみ。"

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="作り直さず、差異だけを報告")
        parser.add_argument("--fiscal-year", type=int, help="この年度だけを対象にする")

    def handle(self, *args, verify, fiscal_year, **options):
        result = tallies.verify(fiscal_year) if verify else tallies.rebuild(fiscal_year)
        for name, label in (
            ("daily", "日別"),
            ("monthly", "市区町村・月別"),
            ("prefectural", "都道府県・月別"),
        ):
            differences = getattr(result, name)
            for key, expected, stored in differences[:20]:
                self.stdout.write(f"{label}: {key}: 元データ {expected} / 集計 {stored}")
            if len(differences) > 20:
                self.stdout.write(f"{label}: ほか {len(differences) - 20} 件の差異")
        summary = f"元データ: {result.supporters}人（{result.cells}セル）"
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"{summary}。集計は元データと一致しています。"))
        elif verify:
            raise CommandError(f"{summary}。集計と元データに差異があります（上記）。")
        else:
            self.stdout.write(self.style.WARNING(f"{summary}。差異があったため作り直しました。"))
