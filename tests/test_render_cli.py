"""``reportbot render``, ``reportbot export`` and the console's DOCX output."""

from __future__ import annotations

from pathlib import Path

import docx

from bot.service.reports import Templates
from tests.support.cli import run_cli as run
from tests.support.cli import stored, write_answers
from tests.support.interviews import complete_answers, full_script


def test_render_writes_the_docx(templates: Templates, cli_env: dict[str, str], tmp_path: Path) -> None:
    answers = complete_answers(templates.interview("self_inspection"))
    path = write_answers(tmp_path, {"type": "self_inspection", "answers": answers})
    out = tmp_path / "自查.docx"
    result = run(cli_env, "render", str(path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    doc = docx.Document(str(out))
    assert doc.paragraphs[0].text.replace("\n", "") == (
        "某区人民政府办公室2023年第三季度意识形态和网络意识形态工作责任制落实情况自查报告"
    )


def test_render_names_the_file_after_the_title(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    answers = complete_answers(templates.interview("unit_periodic"))
    path = write_answers(tmp_path, {"type": "unit_periodic", "answers": answers})
    result = run(cli_env, "render", str(path))
    title = f"{answers['unit_name']}关于2023年第三季度意识形态工作责任制落实情况的报告"
    expected = Path(cli_env["REPORTBOT_OUTPUT"]) / f"{title}.docx"
    assert result.stdout.strip() == str(expected) and expected.exists()


def test_render_reports_bad_values_by_question_id(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    answers = complete_answers(templates.interview("unit_periodic"))
    answers.update({"party_meetings": "三", "period": "春季", "report_date": "2023-02-30", "bogus": 1})
    del answers["unit_name"]
    result = run(
        cli_env, "render", str(write_answers(tmp_path, {"type": "unit_periodic", "answers": answers}))
    )
    assert result.returncode != 0
    for fragment in (
        "bogus: no such question",
        "party_meetings: expected an integer",
        "period: not one of",
        "report_date: expected a date",
    ):
        assert fragment in result.stderr
    answers = complete_answers(templates.interview("unit_periodic"))
    del answers["unit_name"]
    result = run(
        cli_env, "render", str(write_answers(tmp_path, {"type": "unit_periodic", "answers": answers}))
    )
    assert result.returncode != 0 and "unit_name: missing (单位名称)" in result.stderr


def test_render_rejects_malformed_files(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in run(cli_env, "render", str(bad)).stderr
    result = run(cli_env, "render", str(write_answers(tmp_path, {"type": "nope", "answers": {}})))
    assert result.returncode != 0 and "unknown report type 'nope'" in result.stderr
    result = run(cli_env, "render", str(write_answers(tmp_path, {"answers": {}})))
    assert result.returncode != 0 and '"type"' in result.stderr
    for command in ("render", "lint"):
        result = run(cli_env, command, str(tmp_path / "missing.json"))
        assert (
            result.returncode == 1
            and result.stderr.strip() == f"Error: {tmp_path / 'missing.json'}: no such file"
        )
    result = run(cli_env, "render")
    assert result.returncode == 2 and "ANSWERS_FILE" in result.stderr  # usage, not a traceback


def test_export_draft_and_owner_check(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(cli_env, "chat", "--user", "hank", stdin="unit_periodic\n某市交通运输局\n我局\n")
    [(rid, _, _, _)] = stored(cli_env, "console:hank")
    out = tmp_path / "draft.docx"
    result = run(cli_env, "export", str(rid), "-o", str(out), "--user", "hank")
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "某市交通运输局" in text and "【待填写：报告期间】" in text
    other = run(cli_env, "export", str(rid), "--user", "mallory")
    assert other.returncode != 0 and f"no report {rid}" in other.stderr


def test_console_writes_docx_when_finished_and_preview(templates: Templates, cli_env: dict[str, str]) -> None:
    lines = full_script(templates.interview("study_speech"))
    result = run(
        cli_env,
        "chat",
        "--user",
        "ivy",
        stdin="\n".join(["study_speech", "/preview", "/export", *lines]) + "\n",
    )
    assert result.returncode == 0, result.stderr
    out = Path(cli_env["REPORTBOT_OUTPUT"])
    draft = out / "在【待填写：会议名称】上的交流发言（草稿）.docx"
    assert f"草稿已生成，尚未填写的内容以黄色【待填写】标出：{draft}" in result.stdout
    assert "报告还有" in result.stdout and "项必填内容未填写" in result.stdout
    final = out / "在党组理论学习中心组（扩大）学习暨意识形态专题研讨会议上的交流发言.docx"
    assert f"报告已生成：{final}" in result.stdout
    # A speech ends with its thanks: no signature, no date after it.
    assert docx.Document(str(final)).paragraphs[-1].text == "发言完毕，不当之处，请批评指正。谢谢！"
