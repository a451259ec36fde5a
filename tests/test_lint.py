"""The lint the user sees after /preview and /export, and ``reportbot lint ANSWERS.json``."""

from __future__ import annotations

from pathlib import Path

from bot.document.compose import parse_output
from bot.document.lint import body_chars, describe, lint
from bot.interview.definition import Kind
from bot.interview.messages import Messages
from bot.service.reports import Templates
from tests.support.cli import run_cli as run
from tests.support.cli import write_answers


def test_the_lint_names_each_kind_of_finding_and_where(templates: Templates, messages: Messages) -> None:
    definition = templates.types["unit_periodic"]
    long_enum = "".join(f"{n}是做法。" for n in "一二三四五")
    output = (
        "@title 标题\n"
        "@h1:leadership 强化组织领导\n"
        f"{long_enum}\n"
        "\x1b\x02【待填写：领导小组组长】\x02\x03担任组长。\n"
    )
    document = parse_output(output)
    found = lint(document, definition)
    assert [f.key for f in found] == ["too_many_items", "placeholder", "too_short"]
    assert all(f.section == "leadership" for f in found[:2])
    text = describe(found, definition, messages)
    assert "“一是做法。二是做法。三是……”这一段列了 5 项" in text and "“领导小组组长”尚未填写" in text
    assert "发送 /section 2 修改" in text


def test_a_fact_missing_in_several_places_is_named_once(templates: Templates, messages: Messages) -> None:
    definition = templates.types["unit_periodic"]
    mark = "\x1b\x02【待填写：{}】\x02\x03"
    output = (
        f"@title {mark.format('报告年度')}年意识形态工作责任制落实情况的报告\n"
        f"{mark.format('单位自称')}认真履行主体责任。{mark.format('报告年度')}年，{mark.format('单位自称')}"
        f"召开专题会议{mark.format('党组织专题会议次数')}次。\n"
        f"{mark.format('单位自称')}坚持正确导向。\n"
    )
    found = [f for f in lint(parse_output(output), definition) if f.key.startswith("placeholder")]
    assert [f.params["label"] for f in found] == ["报告年度", "单位自称", "党组织专题会议次数"]
    text = describe(found, definition, messages)
    assert "“单位自称”尚未填写，文中 3 处以【待填写】标出。" in text
    assert "“党组织专题会议次数”尚未填写，文中以【待填写】标出。" in text


def test_a_thin_speech_is_not_sent_to_fields_it_does_not_have(
    templates: Templates, messages: Messages
) -> None:
    definition = templates.types["study_speech"]
    found = lint(parse_output("@title 标题\n同志们：\n下面，我谈几点体会。\n"), definition)
    text = describe(found, definition, messages)
    assert "正文只有" in text and "补充具体情况" not in text and "还有哪些做法或数据" not in text
    assert "论点的阐述和例子" in text


def test_a_report_over_its_types_limit_is_flagged(templates: Templates) -> None:
    definition = templates.types["unit_periodic"]
    sentence = "第{n}次专题研究相关工作并形成记录。"
    body = "\n".join("".join(sentence.format(n=n * 10 + k) for k in range(10)) for n in range(40))
    document = parse_output("@title 标题\n" + body)
    assert body_chars(document) > 5000
    assert [f.key for f in lint(document, definition)] == ["too_long"]


def test_lint_command_lists_findings_and_exits_1(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    definition = templates.types["study_speech"]
    [first, *_] = [q for q in definition.questions if q.kind is Kind.SHORT_TEXT and not q.optional]
    path = write_answers(tmp_path, {"type": "study_speech", "answers": {first.id: "不详"}})
    result = run(cli_env, "lint", str(path))
    assert result.returncode == 1, result.stderr
    assert f"“{first.label}”尚未填写，文中以【待填写】标出" in result.stdout


def test_lint_command_refuses_bad_values(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = write_answers(tmp_path, {"type": "unit_periodic", "answers": {"year": "明年后"}})
    result = run(cli_env, "lint", str(path))
    assert result.returncode == 1 and "year: expected an integer" in result.stderr


def test_a_thin_report_is_flagged(templates: Templates) -> None:
    definition = templates.types["study_speech"]
    document = parse_output(
        "@title 标题\n同志们：我谈三点体会。第一，要学好理论。第二，要用好阵地。第三，要管好队伍。\n"
    )
    [finding] = lint(document, definition)
    assert finding.key == "too_short_plain" and finding.params["least"] == definition.min_chars


def test_unknown_words_in_text_and_a_figure_twice_are_flagged(templates: Templates) -> None:
    definition = templates.types["unit_periodic"]
    output = (
        "@title 标题\n制定责任清单，列出责任事项32项。清单共形成32项重点任务。\n"
        "公众号推送稿件（全年审核篇数不详）。\n"
    )
    found = [f.key for f in lint(parse_output(output), definition)]
    assert found == ["figure_twice", "unknown_in_text", "too_short"]


def test_ordinary_words_are_not_taken_for_open_facts(templates: Templates) -> None:
    output = "@title 标题\n部分科室主任对审批范围不清楚，计划待定。\n"
    assert "unknown_in_text" not in [
        f.key for f in lint(parse_output(output), templates.types["unit_periodic"])
    ]
