"""The console chat and command line, run as real processes with piped stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.settings import DEFAULT_DB
from bot.service.reports import Templates
from storage import COMPLETE, DRAFT
from tests.support.cli import run_cli as run
from tests.support.cli import stored
from tests.support.interviews import TYPE_IDS, full_script


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_scripted_session_completes_a_report(
    templates: Templates, cli_env: dict[str, str], type_id: str
) -> None:
    interview = templates.interview(type_id)
    lines = [type_id, *full_script(interview)]
    result = run(cli_env, "chat", "--user", "bob", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "全部问题已回答，报告已标记为完成" in result.stdout
    assert "Traceback" not in result.stderr
    assert "沿用" not in result.stdout  # a new user has no earlier answers: only 建议
    [(_, stored_type, status, answers)] = stored(cli_env, "console:bob")
    assert stored_type == type_id and status == COMPLETE
    assert not interview.missing(answers)
    expected = {q.id for q in interview.applicable_questions(answers)}
    assert set(answers) == expected


def test_second_process_resumes_half_finished_report(templates: Templates, cli_env: dict[str, str]) -> None:
    lines = full_script(templates.interview("unit_periodic"))
    half = len(lines) // 2
    first = run(cli_env, "chat", "--user", "carol", stdin="\n".join(["1", *lines[:half], "/quit"]) + "\n")
    assert first.returncode == 0, first.stderr
    assert "所有回答均已保存" in first.stdout
    [(rid, _, status, answers_before)] = stored(cli_env, "console:carol")
    assert status == DRAFT and answers_before

    drafts = run(cli_env, "drafts", "--user", "carol")
    assert drafts.returncode == 0
    assert f"{rid}\t单位意识形态工作责任制落实情况报告\t2023年第三季度" in drafts.stdout

    second = run(cli_env, "chat", "--user", "carol", stdin="\n".join(["1", *lines[half:]]) + "\n")
    assert second.returncode == 0, second.stderr
    assert (
        "未完成的报告：" in second.stdout and "继续填写：单位意识形态工作责任制落实情况报告" in second.stdout
    )
    assert "全部问题已回答" in second.stdout
    [(rid2, _, status, answers_after)] = stored(cli_env, "console:carol")
    assert rid2 == rid and status == COMPLETE
    assert {k: answers_after[k] for k in answers_before} == answers_before


def test_commands_and_bad_input_in_chat(cli_env: dict[str, str]) -> None:
    script = [
        "9",
        "unit_periodic",
        "/help",
        "/frobnicate",
        "某局",
        "/back",
        "/skip",
        "",
        "/review",
        "/section",
        "/section 3",
        "abc",
        "/edit 1",
        "某某局",
        "/quit",
    ]
    result = run(cli_env, "chat", "--user", "dave", stdin="\n".join(script) + "\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "没有这个编号" in out
    assert "/back      回到上一题" in out
    assert "没有这个命令：/frobnicate" in out
    assert "已经是第一个问题了" not in out  # /back after one answer goes back to question 1
    assert "“单位名称”是必填项" in out
    assert "【答案总览】" in out
    assert "3. 理论学习（0/9）" in out
    assert "请发送一个数，例如 3" in out
    assert "已修改。" in out
    [(_, _, _, answers)] = stored(cli_env, "console:dave")
    assert answers == {"unit_name": "某某局"}


def test_end_of_input_saves_and_exits(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "chat", "--user", "erin", stdin="2\n张三\n")
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("下次运行 reportbot chat 即可从中断处继续。")
    [(_, type_id, _, answers)] = stored(cli_env, "console:erin")
    assert type_id == "leader_personal" and answers == {"leader_name": "张三"}


def test_piped_input_is_echoed_so_the_transcript_has_both_sides(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "chat", "--user", "gus", stdin="2\n张三\n/back\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "请输入编号（继续草稿或新建报告）：\n\n> 2\n\n已新建：领导干部个人" in out
    asked, _, rest = out.partition("> 张三\n\n")
    assert "例如：" in asked.rsplit("【第1/", 1)[1]  # the question, then the answer read
    assert rest.startswith("【第1/") and "\n\n> /back\n\n【第1/" in rest


def test_profile_is_offered_in_the_next_report(templates: Templates, cli_env: dict[str, str]) -> None:
    run(cli_env, "chat", "--user", "fay", stdin="self_inspection\n某区政府办公室\n")
    result = run(cli_env, "chat", "--user", "fay", stdin="unit_periodic\n/ok\n")
    assert "沿用上次：某区政府办公室（发送 /ok 沿用）" in result.stdout
    reports = stored(cli_env, "console:fay")
    unit = next(a for _, t, _, a in reports if t == "unit_periodic")
    assert unit == {"unit_name": "某区政府办公室"}


def test_types_and_schema(cli_env: dict[str, str]) -> None:
    types = run(cli_env, "types")
    assert types.returncode == 0
    assert [line.split("\t")[0] for line in types.stdout.splitlines()] == list(TYPE_IDS)
    schema = run(cli_env, "schema", "self_inspection")
    data = json.loads(schema.stdout)
    question = data["sections"][1]["questions"][1]
    assert question["id"] == "leadership_heading"
    assert question["condition"] == {"question": "leadership_included", "equals": "是"}
    assert {"id", "kind", "prompt", "options", "optional", "condition"} <= set(question)
    bad = run(cli_env, "schema", "nope")
    assert bad.returncode != 0 and "unknown report type 'nope'" in bad.stderr


def test_drafts_of_a_new_user(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "drafts", "--user", "nobody")
    assert result.returncode == 0 and "您没有未完成的报告。" in result.stdout


def test_database_path_comes_from_environment(cli_env: dict[str, str], tmp_path: Path) -> None:
    default_before = DEFAULT_DB.stat().st_mtime_ns if DEFAULT_DB.exists() else None
    result = run(cli_env, "chat", "--user", "gus", stdin="1\n某局\n")
    assert result.returncode == 0, result.stderr
    # The answer is in the file REPORTBOT_DB names...
    [(_, type_id, status, answers)] = stored(cli_env, "console:gus")
    assert (type_id, status, answers) == (TYPE_IDS[0], DRAFT, {"unit_name": "某局"})
    # ...and in no other database: none beside it, and the default one untouched (or never made).
    assert [p.name for p in tmp_path.rglob("*.db")] == [Path(cli_env["REPORTBOT_DB"]).name]
    assert (DEFAULT_DB.stat().st_mtime_ns if DEFAULT_DB.exists() else None) == default_before
