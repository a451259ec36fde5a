"""Notes become sentences, measures become 一是…二是… paragraphs, joins stay grammatical."""

from __future__ import annotations

import pytest

from bot.document import joins, phrasing
from bot.document.compose import parse_output


@pytest.mark.parametrize(
    ("notes", "sentences"),
    [
        (
            "表现：个别支部学习流于形式；原因：支部书记重业务轻学习",
            "个别支部学习流于形式。究其原因，主要是支部书记重业务轻学习。",
        ),
        ("牵头：办公室；时限：2026年12月底前", "由办公室牵头，2026年12月底前完成。"),
        ("牵头：由宣传科；完成时限：年内", "由宣传科牵头，年内完成。"),
        ("时限：12月底", "12月底前完成。"),
        ("学习内容：党的二十大精神", "党的二十大精神。"),
        ("每季度开展一次思想动态分析", "每季度开展一次思想动态分析。"),
    ],
)
def test_notes_become_sentences(notes: str, sentences: str) -> None:
    assert phrasing.note_sentences(notes) == sentences


def test_an_item_with_a_heading_prints_heading_then_body() -> None:
    measure = phrasing.split_measure("强化组织领导：成立了以局党组书记为组长的领导小组")
    assert measure.text(1) == "一是强化组织领导。成立了以局党组书记为组长的领导小组。"


def test_a_note_label_is_no_heading() -> None:
    assert phrasing.split_measure("学习内容：习近平总书记关于意识形态工作的重要论述").text(2) == (
        "二是习近平总书记关于意识形态工作的重要论述。"
    )


def test_at_most_four_items_a_paragraph_evenly_numbering_runs_on() -> None:
    measures = [phrasing.Measure(f"做法{n}", "具体内容。") for n in range(1, 7)]
    paragraphs = phrasing.enumerate_measures(measures, "局党组高度重视")
    assert paragraphs[0].startswith("局党组高度重视。一是做法1。")
    assert [phrasing.enumerations(p) for p in paragraphs] == [3, 3]  # an even split, no item alone
    assert paragraphs[1].startswith("四是做法4。")


def test_long_items_start_new_paragraphs_before_300_characters() -> None:
    measures = [phrasing.Measure(f"做法{n}", "很" * 150 + "。") for n in range(1, 4)]
    paragraphs = phrasing.enumerate_measures(measures)
    assert len(paragraphs) == 3 and all(len(p) <= phrasing.PARAGRAPH_LIMIT for p in paragraphs)


def test_one_measure_alone_is_what_was_done() -> None:
    lone = [phrasing.Measure("强化组织领导", "成立领导小组。")]
    assert phrasing.enumerate_measures(lone, "局党组高度重视") == ["局党组高度重视。成立领导小组。"]
    assert phrasing.enumerate_measures([phrasing.Measure("组建网络评论员队伍。")]) == ["组建网络评论员队伍。"]


def test_a_recurring_deadline_is_no_repeat() -> None:
    output = (
        "@title 标题\n一是甲。由办公室牵头，2026年12月底前完成。二是乙。由宣传科牵头，2026年12月底前完成。\n"
    )
    assert parse_output(output).paragraphs[1].text.count("2026年12月底前完成") == 2


@pytest.mark.parametrize(
    ("items", "joined"),
    [
        (["春季献血活动", "点亮“微心愿”活动"], "春季献血活动、点亮“微心愿”活动等"),
        (["春季献血", "重走足迹"], "春季献血、重走足迹等活动"),
        (["道德讲堂"], "道德讲堂活动"),
        (["清明祭英烈", "“强国有我”主题演讲比赛"], "清明祭英烈、“强国有我”主题演讲比赛等活动"),
        (["“强国有我”主题演讲比赛"], "“强国有我”主题演讲比赛"),
    ],
)
def test_activities_never_read_activity_twice(items: list[str], joined: str) -> None:
    assert joins.named_activities(items) == joined


def test_one_separator_style_per_enumeration() -> None:
    assert joins.join_items(["《中国组织人事报》1篇", "省级媒体6篇，市级22篇"]) == (
        "《中国组织人事报》1篇；省级媒体6篇，市级22篇"
    )
    assert joins.join_items(["甲", "乙", "丙"], "和") == "甲、乙和丙"


def test_book_titles_and_meetings_are_never_doubled() -> None:
    assert joins.book_title("《关于开展专项督查的通知》") == "《关于开展专项督查的通知》"
    assert joins.meeting_name("在市局党组理论学习中心组学习会上") == "市局党组理论学习中心组学习会"


@pytest.mark.parametrize(
    ("period", "cumulative", "words"),
    [
        ("第三季度", True, "前三季度"),
        ("第三季度", False, "第三季度"),
        ("第二季度", True, "上半年"),
        ("全年", True, "全年"),
    ],
)
def test_the_scope_of_counts(period: str, cumulative: bool, words: str) -> None:
    assert joins.scope_phrase(period, cumulative) == words


def test_a_repeated_sentence_or_clause_is_printed_once() -> None:
    output = (
        "@title 标题\n"
        "坚持团结稳定鼓劲、正面宣传为主，唱响主旋律。\n"
        "我局坚持团结稳定鼓劲、正面宣传为主，加强阵地建设。坚持团结稳定鼓劲、正面宣传为主，唱响主旋律。\n"
    )
    body = [p.text for p in parse_output(output).paragraphs[1:]]
    assert body == [
        "坚持团结稳定鼓劲、正面宣传为主，唱响主旋律。",
        "我局坚持团结稳定鼓劲、正面宣传为主，加强阵地建设。",
    ]


def test_a_long_paragraph_is_cut_at_a_sentence_end() -> None:
    text = ("这是一个完整的句子，内容比较长一些，用来测试分段。" * 20)[:-1] + "。"
    pieces = phrasing.split_long(text)
    assert len(pieces) > 1 and "".join(pieces) == text
    assert all(len(p) <= phrasing.PARAGRAPH_LIMIT and p.endswith("。") for p in pieces)


def test_a_cut_falls_before_an_item_not_after_its_heading() -> None:
    items = "".join(f"{n}是加强阵地建设。" + "具体做法写在这里，内容较长。" * 6 for n in "一二三四")
    pieces = phrasing.split_long(items)
    assert len(pieces) > 1 and "".join(pieces) == items
    assert all(p.startswith(("一是", "二是", "三是", "四是")) for p in pieces)


def test_a_deadline_alone_joins_the_measure_it_belongs_to() -> None:
    assert phrasing.note_sentences("每学期与每名教师至少谈心1次；时限：2026年7月底") == (
        "每学期与每名教师至少谈心1次，2026年7月底前完成。"
    )


def test_a_lead_may_announce_its_items_with_a_colon() -> None:
    measures = [phrasing.Measure("带头学", "参加集中学习。"), phrasing.Measure("带头讲", "讲党课。")]
    assert phrasing.enumerate_measures(measures, "本人主要做了以下工作：")[0].startswith(
        "本人主要做了以下工作：一是带头学。"
    )


def test_a_heading_may_hold_a_pause_mark() -> None:
    assert phrasing.split_measure("人才不足、激励不多：基层党支部书记年龄偏大").text(4) == (
        "四是人才不足、激励不多。基层党支部书记年龄偏大。"
    )


def test_a_missing_fact_inside_text_a_template_built_stays_marked() -> None:
    output = "@title 标题\n{% set x %}由{{ missing }}负责{% endset %}{{ x }}。\n"
    from jinja2.sandbox import SandboxedEnvironment

    from bot.document.template_helpers import finalize
    from bot.document.template_text import Missing

    env = SandboxedEnvironment(finalize=finalize)
    rendered = env.from_string(output).render(missing=Missing("领导小组组长"))
    [_, body] = parse_output(rendered).paragraphs
    assert [(r.text, r.placeholder) for r in body.runs] == [
        ("由", False),
        ("【待填写：领导小组组长】", True),
        ("负责。", False),
    ]


def test_plain_notes_keep_their_own_semicolons() -> None:
    assert phrasing.note_sentences("制定学习计划；每月集中学习一次") == "制定学习计划；每月集中学习一次。"


@pytest.mark.parametrize(
    ("due", "clause"),
    [
        ("2027年起", "由办公室牵头，从2027年起实施。"),
        ("2027年6月底前完成首次培训", "由办公室牵头，2027年6月底前完成首次培训。"),
        ("每季度", "由办公室牵头，每季度落实。"),
        ("2026年上半年", "由办公室牵头，2026年上半年内完成。"),
        ("2027年1月15日", "由办公室牵头，2027年1月15日前完成。"),
    ],
)
def test_deadlines_read_whatever_form_they_were_typed_in(due: str, clause: str) -> None:
    assert phrasing.note_sentences(f"牵头：办公室；时限：{due}") == clause


def test_an_item_with_its_own_and_is_not_joined_by_another() -> None:
    assert joins.join_items(["习近平文化思想", "党的二十大和二十届四中全会精神"], "和") == (
        "习近平文化思想以及党的二十大和二十届四中全会精神"
    )


def test_a_lone_shortcoming_keeps_its_heading_without_a_lead() -> None:
    lone = [phrasing.Measure("压力传导逐级递减", "个别社区只研究1次。")]
    assert phrasing.enumerate_measures(lone) == ["压力传导逐级递减。个别社区只研究1次。"]


def test_a_detail_that_only_names_owner_and_deadline_says_nothing_done() -> None:
    assert not phrasing.says_what_was_done("牵头：办公室；时限：2026年12月底前")
    assert phrasing.says_what_was_done("每月组织一次；牵头：办公室")
    assert phrasing.says_what_was_done("表现：只研究过1次；原因：人手少")
    assert not phrasing.says_what_was_done("原因：人手少")


def test_a_count_the_detail_already_gives_is_not_said_again() -> None:
    said = "三是掌握思想动态。全年与分管科室负责人和青年医务人员谈心谈话40余人次。"
    assert phrasing.figures_already_said("全年，本人与医务人员谈心谈话40余人次。", said)
    assert not phrasing.figures_already_said("全年，共召开党组专题会议2次、领导小组会议1次。", said)


def test_a_notice_cited_without_its_book_marks_gets_them() -> None:
    assert joins.notice_reference("县卫生健康局党组关于报送2026年度意识形态工作责任制落实情况的通知") == (
        "县卫生健康局党组《关于报送2026年度意识形态工作责任制落实情况的通知》"
    )
    assert (
        joins.notice_reference("省委、市委关于意识形态工作的部署要求")
        == "省委、市委关于意识形态工作的部署要求"
    )


def test_a_detail_that_restates_the_users_own_words_replaces_them() -> None:
    assert phrasing.restates(
        "制定《2026年意识形态工作责任清单》，列出责任事项32项", "制定《2026年意识形态工作责任清单》"
    )
    assert not phrasing.restates("3月印发实施", "制定《2026年意识形态工作责任清单》")


def test_figures_take_the_place_of_a_statements_general_words() -> None:
    stock = [phrasing.Measure("定期研究部署", "定期听取工作汇报，研究解决实际问题。", stock=True)]
    assert phrasing.attach(stock, "研究", "上半年，共召开党组专题会议2次。")
    assert stock[0].body == "上半年，共召开党组专题会议2次。"
    own = [phrasing.Measure("定期研究部署", "每季度听取一次汇报。")]
    phrasing.attach(own, "研究", "上半年，共召开党组专题会议2次。")
    assert own[0].body == "每季度听取一次汇报。上半年，共召开党组专题会议2次。"
