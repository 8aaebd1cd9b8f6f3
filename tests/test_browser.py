"""The chat in a real browser (headless Debian Chromium driven by Playwright): what users see.

Screenshots go to `.test-output/browser/` (or `$QA_TEST_OUTPUT/browser/`) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DIRECTORS, SAMPLE, free_port

CHROMIUM = Path("/usr/bin/chromium")
# Without these the closed network makes Chromium stall on start-up.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = (
    "Security notes\n\n"
    "The attacker wrote <script>alert(1)</script> into the wiki page. "
    "The attacker also pasted <img src=x onerror=alert(1)> into the wiki page.\n"
)
UPLOAD = """<html><head><title>Harbor Lights Festival</title></head><body>
<nav>Home | Events | Contact</nav>
<article><h1>Harbor Lights Festival</h1>
<p>The Harbor Lights Festival was founded in 1987 by the fishermen's guild of Port Ellery.
It is held every August on the old quay, where three hundred lanterns are floated at dusk.</p>
<p>Marta Quill directed the festival for twenty years before she retired to Lisbon.</p></article>
<footer>Copyright Port Ellery Council</footer></body></html>"""
# A title that is Markdown for an image and a link, prices that look like LaTeX, and a file
# name with a right-to-left override (it would show as "ferry-pricestxt.jpg").
UNSAFE_TITLE = "![pixel](http://127.0.0.1:9/pixel.png) [a link](http://127.0.0.1:9/)"
PRICES = (
    f"{UNSAFE_TITLE}\n\nThe harbour ferry ticket costs $$5 or $$10 on weekends. "
    "The ferry leaves from the north pier every hour.\n"
)
REVERSED_NAME = "ferry-prices\u202egpj.txt"
SHOWN_NAME = "ferry-prices<U+202E>gpj.txt"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


def _output() -> Path:
    folder = Path(os.environ.get("QA_TEST_OUTPUT", ".test-output")) / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def app_url(real_embedder, tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    from app import build_app, launch_options
    from qa import Assistant
    from qa.serve.collection import Collection

    docs = tmp_path_factory.mktemp("docs")
    shutil.copy(SAMPLE, docs / SAMPLE.name)
    (docs / "security-notes.txt").write_text(XSS, encoding="utf-8")
    store = tmp_path_factory.mktemp("collection") / "store"
    collection = Collection.open(
        store, lambda: Assistant.from_paths([docs], embedder=real_embedder)
    )
    demo = build_app(collection)
    port = free_port()
    demo.launch(
        **launch_options(),
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
    )
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


def _chromium(playwright: Any, profile: Path, **options: Any) -> Any:
    """A Chromium context with a fresh profile, as `FLAGS` need."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=FLAGS, headless=True, **options
    )


@pytest.fixture(scope="module")
def browser(playwright, app_url, tmp_path_factory) -> Iterator[tuple[Any, list[str]]]:  # noqa: ANN001
    context = _chromium(
        playwright,
        tmp_path_factory.mktemp("chromium-profile"),
        viewport={"width": 1200, "height": 1000},
    )
    page = context.new_page()
    dialogs: list[str] = []  # any alert() a document managed to run
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_url)
    page.get_by_placeholder("Ask a question about the documents").wait_for(timeout=60_000)
    yield page, dialogs
    context.close()


def _ask(page: Any, question: str, expected: str) -> str:
    """Type `question`, wait for an answer mentioning `expected`; the answer's text."""
    bot = page.locator('[data-testid="bot"]')
    before = bot.count()
    box = page.get_by_placeholder("Ask a question about the documents")
    box.fill(question)
    box.press("Enter")
    bot.nth(before).get_by_text(expected, exact=False).first.wait_for(timeout=60_000)
    return bot.nth(before).inner_text()


def test_the_director_question_cites_the_director_sentence_first(browser) -> None:  # noqa: ANN001
    page, _ = browser
    text = _ask(page, "Who directs the biomedical alliance?", DIRECTORS)
    assert text.startswith("Answer:")  # the short answer leads, then the citations
    first = text.split("[2]")[0].split("[1]")[-1]  # citation [1]'s sentence
    assert DIRECTORS in first and "First Alliance Director Unit" in first
    answer = page.locator('[data-testid="bot"] b').first.inner_text()
    assert DIRECTORS in answer  # the reader's answer span, in bold
    page.locator('[data-testid="bot"]').last.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(_output() / "director.png"), full_page=True)


def test_clicking_a_citation_shows_it_highlighted_in_its_document(browser) -> None:  # noqa: ANN001
    page, _ = browser
    _ask(page, "What was signed to serve the Hangzhou Asian Games?", "Asian Games")
    links = page.locator('[data-testid="bot"]').last.locator('a[href^="#qa-source:"]')
    assert links.count() >= 2
    links.nth(1).click()  # citation [2]
    cited = page.locator("#qa-source #qa-cited")
    expected = page.locator('[data-testid="bot"]').last.inner_text().split("[2]")[1].split("[3]")[0]
    page.wait_for_function(
        "t => document.getElementById('qa-cited')?.innerText.slice(0, 40) === t",
        arg=expected.strip().split("\n")[0][:40],  # the sentence, not the line under it
        timeout=30_000,
    )
    links.nth(0).click()  # back to [1], the Asian Games sentence
    page.wait_for_function(
        "() => document.getElementById('qa-cited')?.innerText.includes('Asian Games')",
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # the panel scrolls the sentence into view
    panel = page.locator("#qa-source .qa-source-text").bounding_box()
    mark = cited.bounding_box()
    assert panel["y"] <= mark["y"] and mark["y"] + mark["height"] <= panel["y"] + panel["height"]
    assert page.locator("#qa-source .qa-near").count() >= 1  # its neighbours, shaded
    page.screenshot(path=str(_output() / "source-panel.png"))


def test_an_uploaded_document_is_listed_and_answers_follow_ups(browser, tmp_path) -> None:  # noqa: ANN001
    page, _ = browser
    upload = tmp_path / "harbor-lights.html"
    upload.write_text(UPLOAD, encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator('input[type="file"][accept*=".pdf"]').set_input_files(str(upload))
    page.get_by_text("Indexed 1 document(s)").wait_for(timeout=60_000)
    listed = page.locator("#qa-documents")
    listed.get_by_text("harbor-lights.html").wait_for(timeout=30_000)
    table = listed.inner_text()
    assert "Harbor Lights Festival" in table and SAMPLE.name in table
    assert "Home | Events" not in table
    page.screenshot(path=str(_output() / "documents.png"), full_page=True)
    page.get_by_role("tab", name="Chat").click()
    text = _ask(page, "Who founded the Harbor Lights Festival?", "fishermen")
    assert "fishermen's guild of Port Ellery" in text.split("[2]")[0]
    text = _ask(page, "When is it held?", "August")
    assert "every August" in text.split("[2]")[0]  # "it": the festival of the previous turn
    assert "Follow-up, searched as:" in text
    page.screenshot(path=str(_output() / "upload-and-follow-up.png"), full_page=True)

    # Someone who opens the page now sees the upload listed, and can remove it.
    other = page.context.new_page()
    other.goto(page.url)
    other.get_by_role("tab", name="Documents").click()
    other.locator("#qa-documents").get_by_text("harbor-lights.html").wait_for(timeout=30_000)
    other.get_by_label("Remove a document").click()
    other.get_by_role("option", name="Harbor Lights Festival (harbor-lights.html)").click()
    other.get_by_role("button", name="Remove", exact=True).click()
    other.get_by_text("Removed Harbor Lights Festival").wait_for(timeout=30_000)
    assert "harbor-lights.html" not in other.locator("#qa-documents").inner_text()
    other.close()


def test_document_markup_renders_as_text_and_runs_nothing(browser) -> None:  # noqa: ANN001
    page, dialogs = browser
    text = _ask(page, "What did the attacker write into the wiki page?", "<script>")
    assert "<script>alert(1)</script>" in text
    text = _ask(page, "What did the attacker paste into the wiki page?", "onerror")
    assert "<img src=x onerror=alert(1)>" in text
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.locator('[data-testid="bot"] img[src="x"]').count() == 0
    assert page.locator('[data-testid="bot"] script').count() == 0
    panel = page.locator("#qa-source")  # [1] opened there, as text too
    assert "<img src=x onerror=alert(1)>" in panel.inner_text()
    assert panel.locator("img").count() == 0 and panel.locator("script").count() == 0
    page.get_by_text("Copy the last answer as Markdown").click()
    copied = page.locator("#qa-copy textarea").input_value()
    assert copied.startswith("**Question:** What did the attacker paste into the wiki page?")
    assert "— *Security notes*" in copied
    page.screenshot(path=str(_output() / "markup-as-text.png"), full_page=True)


def test_titles_names_and_prices_show_as_text(browser, tmp_path) -> None:  # noqa: ANN001
    page, _ = browser
    remote = "http://127.0.0.1:9"  # a title's image and link point here; nothing may load it
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    upload = tmp_path / REVERSED_NAME
    upload.write_text(PRICES, encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator('input[type="file"][accept*=".pdf"]').set_input_files(str(upload))
    status = page.locator("#qa-status")  # the title as written, not an image and a link
    status.get_by_text(f"Indexed 1 document(s): {UNSAFE_TITLE}").wait_for(timeout=60_000)
    page.locator("#qa-documents").get_by_text(SHOWN_NAME).wait_for(timeout=30_000)
    page.screenshot(path=str(_output() / "unsafe-names-documents.png"), full_page=True)
    page.get_by_role("tab", name="Chat").click()
    question = "How much does the harbour *ferry* ticket cost, in $$?"
    text = _ask(page, question, "$$5")
    assert page.locator('[data-testid="user"]').last.inner_text().strip() == question
    assert "$$5 or $$10" in text.split("[2]")[0] and UNSAFE_TITLE in text
    assert UNSAFE_TITLE in page.locator("#qa-header").inner_text()
    assert page.locator(".katex, .katex-error").count() == 0
    assert page.locator(f'img[src^="{remote}"], a[href^="{remote}"]').count() == 0
    links = page.locator('[data-testid="bot"]').last.locator('a[href^="#qa-source:"]')
    links.nth(1).click()  # [2], then back to [1]: its link still opens the price sentence
    page.wait_for_function(
        "() => !document.getElementById('qa-cited')?.innerText.includes('$$5')", timeout=30_000
    )
    links.nth(0).click()
    page.wait_for_function(
        "() => document.getElementById('qa-cited')?.innerText.includes('costs $$5 or $$10')",
        timeout=30_000,
    )
    assert SHOWN_NAME in page.locator("#qa-source .qa-source-meta").inner_text()
    body = page.locator("body").inner_text()
    assert "\u202e" not in body and SHOWN_NAME in body
    assert not [url for url in requested if url.startswith(remote)]
    page.locator('[data-testid="bot"]').last.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(_output() / "unsafe-names-answer.png"), full_page=True)


def test_an_example_from_the_collection_is_asked_with_one_click(browser) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    from qa.serve.examples import SAMPLE_QUESTIONS

    page, _ = browser
    examples = page.locator("#qa-examples")
    assert SAMPLE_QUESTIONS[0] in examples.inner_text()
    bot = page.locator('[data-testid="bot"]')
    before = bot.count()
    examples.get_by_text(SAMPLE_QUESTIONS[0]).click()
    box = page.get_by_placeholder("Ask a question about the documents")
    expect(box).to_have_value(SAMPLE_QUESTIONS[0])
    box.press("Enter")
    bot.nth(before).get_by_text(DIRECTORS, exact=False).first.wait_for(timeout=60_000)


def test_a_chinese_browser_gets_the_interface_in_chinese(
    playwright, app_url, tmp_path_factory  # noqa: ANN001
) -> None:
    context = _chromium(playwright, tmp_path_factory.mktemp("chromium-zh"), locale="zh-CN")
    page = context.new_page()
    page.goto(app_url)
    box = page.get_by_placeholder("就这些文档提问")
    box.wait_for(timeout=60_000)
    page.locator("#qa-header").get_by_text("可就", exact=False).wait_for(timeout=60_000)
    box.fill("?")  # errors are said in Chinese too (a first question: no follow-up)
    box.press("Enter")
    toast = page.locator(".toast-body").first
    toast.get_by_text("没有可查找的内容", exact=False).wait_for(timeout=60_000)
    box.fill("Who directs the biomedical alliance?")
    box.press("Enter")
    bot = page.locator('[data-testid="bot"]').first
    bot.get_by_text(DIRECTORS, exact=False).first.wait_for(timeout=60_000)
    assert bot.inner_text().startswith("答案：")
    meta = page.locator("#qa-source .qa-source-meta")
    meta.get_by_text("第 3 句（共 11 句）", exact=False).wait_for(timeout=60_000)
    page.get_by_role("tab", name="文档").click()
    page.locator("#qa-documents").get_by_text("句数", exact=True).first.wait_for(timeout=60_000)
    context.close()
