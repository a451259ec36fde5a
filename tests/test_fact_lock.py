"""The fact lock: a rewrite keeps every fact of the answers, adds none, and stays about as long."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.document.compose import Composer
from bot.document.fact_lock import Violation, check
from bot.document.facts import extract, person_names
from bot.document.model import Role
from bot.service.reports import Templates
from tests.support.paths import REPO, TEMPLATES
from tests.support.polish_texts import FAITHFUL, GENERATED

SOURCES = ["3次", "46篇", "近200人次", "2026年3月5日", "《关于加强意识形态工作的通知》"]


def kinds(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.kind, v.fact) for v in violations}


def facts_only(violations: list[Violation]) -> set[tuple[str, str]]:
    """The kinds and facts, the length check left aside (short texts built to test one fact)."""
    return {(v.kind, v.fact) for v in violations if v.kind != "length"}


def test_a_faithful_rewrite_passes() -> None:
    assert check(SOURCES, GENERATED, FAITHFUL) == []


def test_the_generated_text_itself_passes() -> None:
    assert check(SOURCES, GENERATED, GENERATED) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("46篇", "50篇", {("missing", "46篇"), ("invented", "50篇")}),
        ("编发各类信息46篇，", "", {("missing", "46篇")}),
        ("3月5日", "3月6日", {("missing", "2026年3月5日"), ("invented", "2026年3月6日")}),
        ("近200人次", "200人次", {("missing", "近200人次"), ("invented", "200人次")}),
        ("《关于加强意识形态工作的通知》", "上级通知", {("missing", "《关于加强意识形态工作的通知》")}),
        ("层层压实工作责任。", "层层压实工作责任，覆盖率达到95%。", {("invented", "95%")}),
        ("层层压实工作责任。", "王强同志带头讲党课。", {("invented", "王强")}),
        (
            "层层压实工作责任。",
            "学习《党委（党组）意识形态工作责任制实施办法》。",
            {("invented", "《党委（党组）意识形态工作责任制实施办法》")},
        ),
    ],
)
def test_a_changed_fact_is_named(old: str, new: str, expected: set[tuple[str, str]]) -> None:
    candidate = FAITHFUL.replace(old, new)
    assert candidate != FAITHFUL
    assert kinds(check(SOURCES, GENERATED, candidate)) == expected


def test_messages_are_chinese_and_name_the_fact() -> None:
    violations = check(SOURCES, GENERATED, FAITHFUL.replace("46篇", "50人次"))
    assert [v.message for v in violations] == ["润色稿漏掉了“46篇”", "润色稿多出了原文没有的“50人次”"]


def test_far_too_short_or_long_is_refused() -> None:
    short = check(
        SOURCES,
        GENERATED,
        "召开专题会议3次，编发信息46篇，近200人次参训，2026年3月5日学习《关于加强意识形态工作的通知》。",
    )
    assert [v.kind for v in short] == ["length"]
    assert short[0].message.startswith("润色稿太短：")
    long = check(
        SOURCES, GENERATED, FAITHFUL + "局党组高度重视意识形态工作，坚持把意识形态工作摆在突出位置。" * 3
    )
    assert [v.kind for v in long] == ["length"]
    assert "应在" in long[0].message and long[0].message.startswith("润色稿太长：")


def test_arabic_and_chinese_numerals_are_the_same_figure() -> None:
    assert check(["3次", "12篇"], "召开会议3次，编发信息12篇。", "召开会议三次，编发信息十二篇。") == []
    assert kinds(check(["3次"], "召开会议3次。", "召开会议四次。")) == {
        ("missing", "3次"),
        ("invented", "四次"),
    }


def test_approximations_compare_by_meaning() -> None:
    assert check(["30余次"], "开展学习30余次。", "开展学习30多次。") == []
    assert check(["2.6万人次"], "覆盖2.6万人次。", "覆盖26000人次。") == []
    assert check(["约95%"], "参学率约95%。", "参学率约为百分之九十五。") == []
    assert kinds(check(["30次"], "开展学习30次。", "开展学习约30次。")) == {
        ("missing", "30次"),
        ("invented", "约30次"),
    }


def test_a_bare_number_answer_matches_any_counting_word() -> None:
    assert check(["3"], "召开会议3次。", "召开专题会议3次。") == []


def test_ordinals_and_fixed_words_are_not_figures() -> None:
    generated = "一是落实责任。二是加强学习。召开会议3次。"
    candidate = (
        "一是落实“一岗双责”，“一把手”负总责，坚决做到“两个维护”，树牢“四个意识”；"
        "二是坚持“第一议题”制度，落实“三会一课”，召开会议3次，这是第一次。"
    )
    assert [v for v in check(["3次"], generated, candidate) if v.kind != "length"] == []
    assert extract("一项重要工作，一起学习，一批骨干，第3次会议").items == []


def test_dates_in_every_written_form() -> None:
    keys = [f.key for f in extract("2023-10-08，2023年10月8日，二〇二三年十月八日").items]
    assert keys == [("2023", "10", "8")] * 3
    assert check(["3月"], "3月召开会议。", "3月召开专题会议。") == []
    assert facts_only(check(["2026年3月5日"], "2026年3月5日召开会议。", "3月5日召开会议。")) == {
        ("missing", "2026年3月5日")
    }
    assert kinds(check(["第三季度"], "第三季度召开会议。", "第四季度召开会议。")) == {
        ("missing", "第三季度"),
        ("invented", "第四季度"),
    }


def test_a_year_written_bare_in_the_answer_matches_the_year_printed() -> None:
    assert check(["2023"], "2023年以来，召开会议。", "2023年以来，召开了会议。") == []


def test_names_given_are_kept_and_new_ones_refused() -> None:
    generated = "成立了以局党组书记张卫东同志为组长的领导小组。"
    candidate = "成立了由局党组书记张卫东同志任组长的领导小组。"
    assert check(["张卫东"], generated, candidate, names=["张卫东"]) == []
    dropped = check(["张卫东"], generated, "成立了由局党组书记任组长的意识形态领导小组。", names=["张卫东"])
    assert kinds(dropped) == {("missing", "张卫东")}
    added = check(
        ["张卫东"], generated, candidate.replace("领导小组", "领导小组，李明主任具体负责"), names=["张卫东"]
    )
    assert ("invented", "李明") in kinds(added)


def test_titles_are_not_names() -> None:
    assert person_names("局党组书记、局长，党支部书记，常务副局长，各位同志，30余名同志，许多同志") == []
    assert person_names("文明办主任，安全委员会主任，张三为组长，安监局长，文化局长，高新区书记") == []
    assert person_names("王明同志和李书记") == ["王明", "李"]


def test_a_quoted_name_must_be_kept_and_none_added() -> None:
    generated = "用好“学习强国”平台。"
    assert facts_only(check(["用好“学习强国”平台"], generated, "用好学习平台。")) == {("missing", "学习强国")}
    assert facts_only(check(["用好“学习强国”平台"], generated, "用好学习强国平台。")) == set()
    assert kinds(check([], generated, "用好“学习强国”“党建先锋”平台。")) == {("invented", "党建先锋")}


def test_placeholders_must_stay() -> None:
    generated = "共召开会议【待填写：会议次数】。"
    assert check([], generated, "共召开专题会议【待填写：会议次数】。") == []
    assert facts_only(check([], generated, "共召开专题会议多次。")) == {("missing", "【待填写：会议次数】")}


def test_an_answer_the_section_does_not_print_is_not_required() -> None:
    assert check(["2023-10-08", "3次"], "召开会议3次。", "召开专题会议3次。") == []


# Property tests: random answer sets, a text made of them, and rewrites with a fact added or lost.

FILLERS = (
    "局党组高度重视意识形态工作",
    "组织干部职工深入学习",
    "切实压实工作责任",
    "认真做好宣传教育",
    "及时研判舆情动态",
    "扎实推进阵地建设",
    "持续加强队伍建设",
    "推动各项任务落到实处",
)
UNITS = ("次", "篇", "人次", "场", "名", "期", "家", "天")
TITLES = ("关于加强意识形态工作的通知", "意识形态工作责任制实施细则", "年度学习计划", "宣传工作要点")
CN_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1234 → 一千二百三十四 (as officials write counts)."""
    if n < 10:
        return CN_DIGITS[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += (
                ("零" if zero and out else "")
                + ("" if unit == "十" and digit == 1 and not out else CN_DIGITS[digit])
                + unit
            )
            zero = False
        elif out:
            zero = True
    return out


@dataclass(frozen=True)
class Fact:
    """A fact for the property tests: how an answer states it, and an equivalent rewrite."""

    key: tuple[object, ...]
    answer: str
    rewrite: str


APPROX = (("", "", ""), ("", "余", ""), ("近", "", ""), ("约", "", ""), ("", "", "以上"))


@st.composite
def figures(draw: st.DrawFn) -> Fact:
    value = draw(st.integers(min_value=1, max_value=9999))
    unit = draw(st.sampled_from(UNITS))
    pre, inner, outer = draw(st.sampled_from(APPROX))
    arabic = f"{pre}{value}{inner}{unit}{outer}"
    chinese = f"{pre}{cn_numeral(value)}{'多' if inner else ''}{unit}{outer}"
    answer, rewrite = (chinese, arabic) if draw(st.booleans()) else (arabic, chinese)
    return Fact(("figure", value, unit, pre + inner + outer), answer, rewrite)


@st.composite
def percents(draw: st.DrawFn) -> Fact:
    value = draw(st.integers(min_value=1, max_value=100))
    pre = draw(st.sampled_from(("", "约", "近")))
    return Fact(("figure", value, "%", pre), f"{pre}{value}%", f"{pre}百分之{cn_numeral(value)}")


@st.composite
def dates(draw: st.DrawFn) -> Fact:
    year = draw(st.integers(min_value=2015, max_value=2030))
    month = draw(st.integers(min_value=1, max_value=12))
    day = draw(st.integers(min_value=1, max_value=28))
    answer = f"{year}年{month}月{day}日"
    return Fact(("date", month, day), answer, f"{year}-{month:02d}-{day:02d}")


titles = st.sampled_from(TITLES).map(lambda t: Fact(("title", t), f"《{t}》", f"《{t}》"))
facts = st.lists(
    st.one_of(figures(), percents(), dates(), titles), min_size=1, max_size=6, unique_by=lambda f: f.key
)


def text(parts: list[str], fillers: list[str]) -> str:
    return (
        "".join(f"{fillers[i % len(fillers)]}，{part}，" for i, part in enumerate(parts)) + "确保取得实效。"
    )


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(facts, st.permutations(FILLERS))
def test_property_a_rewrite_with_every_fact_passes(found: list[Fact], fillers: list[str]) -> None:
    generated = text([f.answer for f in found], list(FILLERS))
    candidate = text([f.rewrite for f in found], list(fillers))
    violations = check([f.answer for f in found], generated, candidate)
    assert [v for v in violations if v.kind != "length"] == []


@PROPERTY
@given(facts, st.data())
def test_property_a_deleted_fact_is_missing(found: list[Fact], data: st.DataObject) -> None:
    lost = data.draw(st.sampled_from(found))
    generated = text([f.answer for f in found], list(FILLERS))
    candidate = text([f.rewrite for f in found if f != lost], list(FILLERS))
    violations = check([f.answer for f in found], generated, candidate)
    assert {(v.kind, v.fact) for v in violations if v.kind != "length"} == {("missing", lost.answer)}


@PROPERTY
@given(facts, figures())
def test_property_an_inserted_figure_is_invented(found: list[Fact], extra: Fact) -> None:
    assume(all(f.key != extra.key for f in found))
    generated = text([f.answer for f in found], list(FILLERS))
    candidate = text([f.rewrite for f in found] + [extra.answer], list(FILLERS))
    violations = check([f.answer for f in found], generated, candidate)
    assert {(v.kind, v.fact) for v in violations if v.kind != "length"} == {("invented", extra.answer)}


@PROPERTY
@given(facts, st.data())
def test_property_a_changed_figure_is_missing_and_invented(found: list[Fact], data: st.DataObject) -> None:
    numbers = [f for f in found if f.key[0] == "figure" and str(f.key[1]) in f.answer]
    assume(numbers)
    old = data.draw(st.sampled_from(numbers))
    value = data.draw(st.integers(min_value=1, max_value=9999))
    new = old.answer.replace(str(old.key[1]), str(value), 1)
    assume(all(f.key[:3] != ("figure", value, old.key[2]) for f in found) and new != old.answer)
    generated = text([f.answer for f in found], list(FILLERS))
    candidate = text([new if f == old else f.answer for f in found], list(FILLERS))
    violations = check([f.answer for f in found], generated, candidate)
    assert {(v.kind, v.fact) for v in violations} >= {("missing", old.answer), ("invented", new)}
    assert all(v.kind == "length" or v.fact in (old.answer, new) for v in violations)


# A section as the bot composes it from a real report's answers, and a rewrite as a model would
# write it.

REWRITE = (
    "我局始终坚持正确舆论导向，把宣传工作和阵地管理作为落实意识形态工作责任制的重要抓手。"
    "一是健全宣传制度。进一步规范新闻宣传工作，严格落实稿件投稿和发布审核制度，结合不同阶段工作重点"
    "谋划宣传内容，牢牢掌握新闻报道主动权。二是做好正面宣传。围绕党建、创卫、精神文明建设、行政执法、"
    "市场监管、安全监管等工作发布新闻信息，上半年在局网站刊发宣传信息20余篇，在州局等其他门户网站刊发9篇。"
    "三是加强阵地建设。制作工作宣传展板10块，摆放在局属各单位显著位置；指导客运站制作张贴宣传画30余幅；"
    "利用网站等网络平台，宣传全面从严治党、“两学一做”学习教育、社会主义核心价值观和安全生产管理等内容。"
)


def composed_section(fixture: str, section_id: str) -> tuple[list[str], str]:
    """The answers of one section of a real report, flattened, and the body text composed from them."""
    data = json.loads((REPO / "tests" / "fixtures" / "source_reports" / fixture).read_text(encoding="utf-8"))
    definition = Templates.load(TEMPLATES).types[data["type"]]
    document = Composer(TEMPLATES).compose(definition, data["answers"])
    [section] = [s for s in definition.sections if s.id == section_id]
    answers: list[str] = []
    for question in section.questions:
        value = data["answers"].get(question.id)
        answers += (
            [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]
        )
    body = "".join(p.text for p in document.paragraphs if p.section == section_id and p.role is Role.BODY)
    return answers, body


def test_a_realistic_rewrite_of_a_composed_section_passes() -> None:
    answers, generated = composed_section("001a_unit.answers.json", "publicity")
    assert "30余幅" in generated
    assert check(answers, generated, REWRITE) == []
    assert kinds(check(answers, generated, REWRITE.replace("30余幅", "30幅"))) == {
        ("missing", "30余幅"),
        ("invented", "30幅"),
    }
    assert kinds(check(answers, generated, REWRITE.replace("上半年", "今年以来"))) == {("missing", "上半年")}


@pytest.mark.parametrize(
    "fixture", sorted(p.name for p in (REPO / "tests/fixtures/source_reports").glob("*.answers.json"))
)
def test_every_composed_section_of_the_real_reports_passes_as_its_own_rewrite(fixture: str) -> None:
    data = json.loads((REPO / "tests" / "fixtures" / "source_reports" / fixture).read_text(encoding="utf-8"))
    for section in Templates.load(TEMPLATES).types[data["type"]].sections:
        answers, generated = composed_section(fixture, section.id)
        assert check(answers, generated, generated) == [], section.id


@PROPERTY
@given(facts, st.sampled_from("王李张刘陈杨黄赵"), st.sampled_from(("建国", "明", "海燕", "卫东")))
def test_property_an_inserted_name_is_invented(found: list[Fact], surname: str, given_name: str) -> None:
    generated = text([f.answer for f in found], list(FILLERS))
    candidate = text([f.rewrite for f in found] + [f"由{surname}{given_name}同志牵头落实"], list(FILLERS))
    violations = check([f.answer for f in found], generated, candidate)
    assert facts_only(violations) == {("invented", surname + given_name)}


NOISE = (
    "0123456789０１２.,%％一二两三十百千万亿零〇点第年月日号季度上下半前"
    '次篇人个项余多近约以上《》“”"【】：待填写王李同志书记局长是，。、（）()-/ \n'
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=NOISE, max_size=40), st.text(alphabet=NOISE, max_size=40), st.text(max_size=30))
def test_property_any_text_is_checked_without_error(a: str, b: str, c: str) -> None:
    assert isinstance(check([a, c], b, a + c), list)
    assert isinstance(check([c], a, b, names=[a]), list)
