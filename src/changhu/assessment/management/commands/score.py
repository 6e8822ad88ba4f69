"""``changhu score FILE --scale CODE [--version V] [--date D]``: score one answer sheet.

FILE (or ``-`` for standard input) holds a JSON object mapping each item's Chinese name to its
points. The result goes to standard output as JSON; any error goes to standard error with exit
code 2 and nothing on standard output.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.assessment import scoring
from changhu.assessment.presets import resolve_scale
from changhu.core.errors import DomainError

EXIT_INVALID = 2


def _fail(code: str, message: str) -> CommandError:
    return CommandError(f"{code}: {message}", returncode=EXIT_INVALID)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    answers: dict = {}
    for name, points in pairs:
        if name in answers:
            raise _fail("item_duplicate", f"评估项目“{name}”出现了不止一次")
        answers[name] = points
    return answers


class Command(BaseCommand):
    help = "按评估量表计算一份答卷的得分、各指标等级和失能等级，结果以JSON输出"
    requires_system_checks = []
    stealth_options = ("stdin",)

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version selects the scale version, replacing Django's --version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="答卷JSON文件（评估项目名称 → 分值），- 表示标准输入")
        parser.add_argument("--scale", default="national-2021", help="量表代码")
        parser.add_argument("--version", dest="scale_version", help="量表版本号，默认取生效版本")
        parser.add_argument("--date", help="评估日期YYYY-MM-DD，用于选择当日生效的版本，默认今天")

    def handle(self, *args, **options):
        answers = self._read_answers(options["file"], options.get("stdin"))
        on_date = None
        if options["date"]:
            try:
                on_date = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise _fail("date_invalid", f"日期“{options['date']}”应为YYYY-MM-DD") from None
        try:
            scale, source = resolve_scale(
                options["scale"], version=options["scale_version"], on_date=on_date
            )
            result = scoring.score(scale, answers)
        except DomainError as exc:
            raise _fail(exc.code, exc.message) from None
        payload = {**result.as_dict(), "scale_name": scale.name, "source": source}
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _read_answers(self, file: str, stdin) -> dict:
        try:
            if file == "-":
                stream = stdin or sys.stdin
                raw = stream.read()
                text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
            else:
                text = Path(file).read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise _fail("file_not_found", f"找不到答卷文件{file}") from None
        except UnicodeDecodeError:
            raise _fail("answers_encoding", "答卷文件应为UTF-8编码") from None
        except OSError as exc:
            raise _fail("file_unreadable", f"无法读取答卷文件{file}：{exc.strerror}") from None
        try:
            answers = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise _fail(
                "answers_invalid_json",
                f"答卷不是有效的JSON（第{exc.lineno}行第{exc.colno}列）：{exc.msg}",
            ) from None
        if not isinstance(answers, dict):
            raise _fail("answers_invalid", "答卷应为“评估项目名称: 分值”形式的JSON对象")
        return answers
