"""Polishing a section with a language model behind an OpenAI-compatible API, the facts locked.

The request carries the section's heading, its answers and its current text, and asks for the
same content in the register of the source reports. The reply is cleaned of markdown and of a
reasoning model's ``<think>`` block, then kept only if the fact lock (``bot.document.fact_lock``)
passes. Every failure — time limit, connection, HTTP error, a reply that is not a chat
completion — becomes one Chinese sentence in ``Polished.error``; nothing is raised.

The API key goes only into the Authorization header (the openai client puts it there); it is
never logged here, and ``LlmSettings`` keeps it out of its ``repr``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.document.fact_lock import Violation, check
from bot.service.llm_settings import LlmSettings

__all__ = ["LlmSettings", "Polished", "Violation", "build_messages", "polish_section", "rejection_message"]

log = logging.getLogger(__name__)

# vLLM and Ollama ignore the key, but the openai client refuses to run without one; this is the
# placeholder their documentation uses.
NO_KEY = "EMPTY"
# How many failed facts the chat names before "等N处".
SHOWN_VIOLATIONS = 6

SYSTEM_PROMPT = "\n".join(
    [
        "你是党政机关文字材料的润色助手。用户会给出一份意识形态工作责任制落实情况报告中"
        "某一节的标题、该节依据的回答和现有正文。请把现有正文改写成规范的机关公文语体："
        "用事实说话，具体、平实、准确、简洁，像“年初成立了……领导小组”“共召开专题会议3次”"
        "这样交代做了什么、做了多少，不写空话、套话和口号。",
        "",
        "必须遵守：",
        "1. 只使用所给材料中的事实，不得增加任何新的数字、日期、人名、单位名称、文件名称、活动名称或事例。",
        "2. 材料中的每一个数字（连同单位和“余”“近”“约”“以上”等约数说法）、日期、百分比、"
        "书名号和引号里的名称、人名，都要原样保留，一字不改；“【待填写：……】”标记也原样保留。",
        "3. 不改变事实的含义，不夸大成效，不补充材料中没有的评价。",
        "4. 篇幅与现有正文大致相当（约为现有正文的0.8至1.6倍）。",
        "5. 只输出改写后的正文：纯文本，可分段；不要标题、小标题编号、Markdown符号，不要开场白和说明。",
    ]
)

_THINK_RE = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_FENCE_RE = re.compile(r"^\s*```[\w-]*\s*$", re.MULTILINE)
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_BULLET_RE = re.compile(r"^\s*[-*+]\s+", re.MULTILINE)
_EMPHASIS_RE = re.compile(r"\*\*|__|\*|`")


@dataclass(frozen=True)
class Polished:
    """The outcome of one polish request."""

    text: str | None  # accepted candidate, None when rejected or failed
    violations: list[Violation] = field(
        default_factory=list
    )  # why rejected (empty when accepted or on error)
    error: str | None = None  # Chinese message for timeouts, connection errors, bad replies


def build_messages(heading: str, answers: Sequence[tuple[str, str]], generated: str) -> list[dict[str, str]]:
    """The chat messages of the request: the instructions, then the heading, answers and text."""
    lines = [f"本节标题：{heading}", "", "本节依据的回答："]
    lines += [f"- {label}：{answer}" for label, answer in answers if answer.strip()]
    lines += ["", "现有正文：", generated.strip(), "", "请按要求改写现有正文，只输出改写后的正文。"]
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


def clean_reply(text: str) -> str:
    """The reply without a ``<think>`` block, code fences, headings marks, bullets and emphasis."""
    text = _THINK_RE.sub("", text)
    text = _FENCE_RE.sub("", text)
    text = _HEADING_RE.sub("", text)
    text = _BULLET_RE.sub("", text)
    text = _EMPHASIS_RE.sub("", text)
    paragraphs = [line.strip() for line in text.splitlines()]
    return "\n".join(p for p in paragraphs if p)


async def polish_section(
    llm: LlmSettings,
    heading: str,
    answers: list[tuple[str, str]],
    generated: str,
    names: Sequence[str] = (),
) -> Polished:
    """Ask the model for the section in the source documents' register; keep it only if the fact lock passes.

    ``answers`` are (question label, answer as printed) pairs of the section; ``names`` the
    answers that are person names (checked by the fact lock as names).
    """
    if not generated.strip():
        return Polished(None, error="本节还没有正文，无需润色。")
    # Imported on first use: half a second and pydantic, for a feature that may well be off.
    import openai

    try:
        reply = await asyncio.wait_for(_ask(llm, build_messages(heading, answers, generated)), llm.timeout)
    except (TimeoutError, openai.APITimeoutError):
        return _failed(
            llm,
            "timeout",
            f"模型在{llm.timeout:g}秒内没有答复，这次没有润色。可以稍后再试，或保留、改写本节。",
        )
    except openai.APIConnectionError:
        return _failed(
            llm,
            "connection",
            f"连接不上模型服务（{llm.host}），这次没有润色。请稍后再试，或请管理员检查模型服务。",
        )
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        return _failed(
            llm, f"HTTP {exc.status_code}", "模型服务拒绝了请求（密钥无效或没有权限），请管理员检查模型设置。"
        )
    except openai.NotFoundError:
        return _failed(
            llm, "HTTP 404", f"模型服务找不到模型“{llm.model}”或接口地址不对，请管理员检查模型设置。"
        )
    except openai.RateLimitError:
        return _failed(llm, "HTTP 429", "模型服务正忙，这次没有润色，请稍后再试。")
    except openai.APIStatusError as exc:
        return _failed(
            llm,
            f"HTTP {exc.status_code}",
            f"模型服务出错（HTTP {exc.status_code}），这次没有润色，请稍后再试。",
        )
    except Exception as exc:  # a body that is no chat completion, or anything else the client raises
        return _failed(llm, type(exc).__name__, "模型的答复格式不对，无法使用，这次没有润色。请稍后再试。")
    candidate = clean_reply(reply)
    if not candidate:
        return _failed(llm, "empty reply", "模型没有给出正文，这次没有润色。请稍后再试。")
    violations = check([answer for _, answer in answers], generated, candidate, names)
    if violations:
        log.info("polish of %r rejected by the fact lock: %d violations", heading, len(violations))
        return Polished(None, violations)
    return Polished(candidate)


async def _ask(llm: LlmSettings, messages: list[dict[str, str]]) -> str:
    """The text of the model's reply; raises what the client raises, or ``ValueError`` for no text."""
    import openai

    async with openai.AsyncOpenAI(
        base_url=llm.base_url, api_key=llm.api_key or NO_KEY, timeout=llm.timeout, max_retries=0
    ) as client:
        completion = await client.chat.completions.create(
            model=llm.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0.3,
        )
    if not completion.choices or completion.choices[0].message is None:
        raise ValueError("a completion without choices")
    return completion.choices[0].message.content or ""


def _failed(llm: LlmSettings, reason: str, message: str) -> Polished:
    # The reason is a class name or status, never the exception text: that may quote the request.
    log.warning("polish request to %s failed: %s", llm.host, reason)
    return Polished(None, error=message)


def rejection_message(polished: Polished) -> str:
    """One Chinese message naming which facts failed (for the chat)."""
    if polished.error:
        return polished.error
    if not polished.violations:
        return "润色稿通过了事实核对。"
    # A length far off explains the rest (a text cut short loses its facts): it goes first.
    ordered = sorted(polished.violations, key=lambda v: v.kind != "length")
    shown = [v.message for v in ordered[:SHOWN_VIOLATIONS]]
    more = len(polished.violations) - len(shown)
    tail = f"等{len(polished.violations)}处问题" if more > 0 else ""
    return f"模型的润色稿没有采用：{'；'.join(shown)}{tail}。原文未作改动。"
