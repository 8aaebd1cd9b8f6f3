"""The chat's own words in English and Chinese. The browser's language picks them: labels and
buttons through Gradio's `gr.I18n` (app.py), and the text the server writes (the header,
answers, messages) through the request's Accept-Language header (`language_of`)."""

from __future__ import annotations

LANGUAGES = ("en", "zh")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "chat": "Chat",
        "documents": "Documents",
        "answers": "Answers",
        "ask_placeholder": "Ask a question about the documents",
        "ask": "Ask",
        "examples": "Examples from these documents",
        "settings": "Settings",
        "citations": "Citations",
        "mode": "Retrieval mode",
        "follow_ups": 'Follow-up questions use the conversation ("When was it founded?")',
        "copy": "Copy the last answer as Markdown",
        "new_conversation": "New conversation",
        "source": "Source",
        "remove_choice": "Remove a document",
        "remove": "Remove",
        "add_files": "Add documents ({suffixes}; up to {megabytes} MB each)",
        "choose_files": "Choose one or more files to add.",
        "choose_document": "Choose a document to remove.",
        "indexed": "Indexed {count} document(s): {names}.",
        "skipped": "Skipped {name}: {reason}",
        "near_empty": "Note: {name} has almost no text; check it is the file you meant.",
        "nothing_added": "Nothing to add.",
        "removed": "Removed **{title}** ({source}).",
        # Text the server writes; {placeholders} are filled in by `say`.
        "header": "## Cited answers\nAsk about **{count}** document(s) ({sentences} sentences): "
        "{titles}.\nEvery answer is an exact sentence from the documents, numbered [1]..[k]; "
        "click a number to see it in its document.",
        "answer": "**Answer:** {span} (from [1])",
        "not_found": "Not found in these documents.",
        "not_close": "No sentence is close enough to the question (answerability {score}, "
        "threshold {threshold}). Try rephrasing with words the documents use, or ask the "
        "whole question again.",
        "closest": "Closest sentences (not an answer)",
        "show": "Show in the document",
        "chars": "{page}chars {start}–{end}",
        "score": "score {score}",
        "page": "p. {page}, ",
        "searched_as": "Follow-up, searched as: {question}",
        "columns": "Title|Source|Sentences|Characters|Pages|Id",
        "md_question": "**Question:** {question}",
        "md_answer": "**Answer:** {span} [1]",
        "md_closest": "Closest sentences, not an answer:",
        "step_files": "reading {count} file(s)",
        "step_reading": "reading {done}/{total} bytes",
        "step_splitting": "splitting {done}/{total} characters",
        "step_embedding": "embedding {done}/{total} sentences",
        "step_saving": "saving the collection",
        "step_done": "done",
        "source_empty": "Click a citation number such as [1] to see it in its document.",
        "source_gone": "That document is no longer in the collection.",
        "source_misfit": "That citation does not fit its document.",
        "source_page": "page {page}, ",
        "source_meta": "{source} · {page}sentence {number} of {count} · chars {start}–{end}",
    },
    "zh": {
        "chat": "问答",
        "documents": "文档",
        "answers": "回答",
        "ask_placeholder": "就这些文档提问",
        "ask": "提问",
        "examples": "来自这些文档的示例问题",
        "settings": "设置",
        "citations": "引用条数",
        "mode": "检索方式",
        "follow_ups": "追问时结合上文（如“它是哪年成立的？”）",
        "copy": "以 Markdown 复制上一条回答",
        "new_conversation": "新对话",
        "source": "原文",
        "remove_choice": "删除文档",
        "remove": "删除",
        "add_files": "添加文档（{suffixes}；每个最多 {megabytes} MB）",
        "choose_files": "请选择要添加的文件。",
        "choose_document": "请选择要删除的文档。",
        "indexed": "已索引 {count} 篇文档：{names}。",
        "skipped": "已跳过 {name}：{reason}",
        "near_empty": "注意：{name} 几乎没有文字，请确认是否选对了文件。",
        "nothing_added": "没有可添加的内容。",
        "removed": "已删除 **{title}**（{source}）。",
        "header": "## 有出处的回答\n可就 **{count}** 篇文档（{sentences} 句）提问：{titles}。\n"
        "每条回答都是文档中的原句，编号为 [1]..[k]；点击编号可在原文中查看。",
        "answer": "**答案：** {span}（出自 [1]）",
        "not_found": "这些文档中没有找到答案。",
        "not_close": "没有与问题足够接近的句子（可答性 {score}，阈值 {threshold}）。"
        "请换用文档中的说法，或把问题问完整。",
        "closest": "最接近的句子（并非答案）",
        "show": "在原文中查看",
        "chars": "{page}第 {start}–{end} 字符",
        "score": "得分 {score}",
        "page": "第 {page} 页，",
        "searched_as": "追问，按此检索：{question}",
        "columns": "标题|来源|句数|字符数|页数|编号",
        "md_question": "**问题：** {question}",
        "md_answer": "**答案：** {span} [1]",
        "md_closest": "最接近的句子（并非答案）：",
        "step_files": "正在读取 {count} 个文件",
        "step_reading": "读取 {done}/{total} 字节",
        "step_splitting": "分句 {done}/{total} 字符",
        "step_embedding": "计算向量 {done}/{total} 句",
        "step_saving": "正在保存文档集",
        "step_done": "完成",
        "source_empty": "点击引用编号（如 [1]）可在原文中查看。",
        "source_gone": "该文档已不在文档集中。",
        "source_misfit": "该引用与其文档对不上。",
        "source_page": "第 {page} 页，",
        "source_meta": "{source} · {page}第 {number} 句（共 {count} 句）· 第 {start}–{end} 字符",
    },
}


def language_of(accept_language: str | None) -> str:
    """"zh" when the browser's first language (an Accept-Language header) is Chinese, else
    "en"."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def say(key: str, language: str = "en", **values: object) -> str:
    """The text for `key` in `language` (English for any other), with `values` filled in."""
    texts = TEXTS.get(language, TEXTS["en"])
    return texts[key].format(**values) if values else texts[key]


def translations(**values: object) -> dict[str, dict[str, str]]:
    """The labels for `gr.I18n`, by browser locale ("zh-CN", "zh-TW" and "zh" all Chinese),
    with `values` filled in where a label has placeholders for them."""

    def filled(texts: dict[str, str]) -> dict[str, str]:
        return {key: _filled(text, values) for key, text in texts.items()}

    en, zh = filled(TEXTS["en"]), filled(TEXTS["zh"])
    return {"en": en, "zh": zh, "zh-CN": zh, "zh-TW": zh, "zh-HK": zh}


def _filled(text: str, values: dict[str, object]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError):  # a text the server fills in later
        return text
