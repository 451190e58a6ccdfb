"""The app in a real browser (headless Debian chromium): a coder works the queue with the
keyboard, a validator signs off and sees the lock. Screenshots land in
outputs/test-screenshots/ when a test fails."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.store import models as m
from tests.app import world

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "outputs" / "test-screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium binary on PATH (Debian: apt-get install chromium); browser tests need one")


@pytest.fixture
def live_app(store, users):
    import uvicorn

    from app.main import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def pages(browser, request):
    """New pages (each its own browser context, so its own cookies); console errors collected."""
    opened, errors = [], []

    def new_page():
        page = browser.new_context().new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append(page)
        return page

    new_page.errors = errors
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(opened):
            try:
                page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{i}.png"), full_page=True)
            except Exception:  # a page that crashed: nothing to show
                pass


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', world.PASSWORD)
    page.click('button[type="submit"]')


def _status(page, sid: int) -> str:
    return page.get_attribute(f"#s{sid}", "data-status")


def test_coder_reviews_with_the_keyboard(live_app, pages, store):
    page = pages()
    _sign_in(page, live_app, "ana")
    page.wait_for_url(re.compile(r"/queue$"))
    # the queue's order is the review priority's (tested in test_review); here: work down it by keyboard
    ids = [page.locator("li.item").nth(i).get_attribute("id") for i in range(3)]
    first, second, third = (int(i.removeprefix("s")) for i in ids)

    page.keyboard.press("a")  # accept the first (current) item
    page.wait_for_selector(f"#s{first}[data-status=accepted]")
    assert page.text_content("#decided") == "1"
    page.keyboard.press("r")  # focus moved on to the next pending one: reject it
    page.wait_for_selector(f"#s{second}[data-status=rejected]")
    page.keyboard.press("c")  # recode the third: pick codes 1 and 2, Enter
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#s{third}[data-status=recoded]")
    page.keyboard.press("k")
    page.keyboard.press("m")
    page.keyboard.type("Mentions the bank guarantee.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Memo saved.")
    page.keyboard.press("Escape")
    page.keyboard.press("u")  # undo the recode
    page.wait_for_selector(f"#s{third}[data-status=suggested]")
    assert page.text_content("#decided") == "2"

    with store.session() as s:
        rows = s.scalars(select(m.Decision).order_by(m.Decision.id)).all()
        assert [d.action for d in rows] == ["accept", "reject", "recode", "undo"]
        recoded = s.get(m.SuggestionRow, third)
        assert len(rows[2].codes) == 2 and recoded.code not in rows[2].codes  # replaced by the two picked
        assert s.get(m.SuggestionRow, first).status == "accepted"
        assert s.get(m.SuggestionRow, third).status == "suggested"
        assert s.scalars(select(m.Memo.text)).all() == ["Mentions the bank guarantee."]
    assert not pages.errors, pages.errors


def test_second_coder_sees_the_conflict_message(live_app, pages, store):
    ana, ben = pages(), pages()
    _sign_in(ana, live_app, "ana")
    _sign_in(ben, live_app, "ben")
    ana.wait_for_url(re.compile(r"/queue$"))
    ben.wait_for_url(re.compile(r"/queue$"))
    first = world.suggestion_ids(store)[(0, "funding_calls")]
    ana.keyboard.press("a")
    ana.wait_for_selector(f"#s{first}[data-status=accepted]")
    ben.keyboard.press("r")
    ben.wait_for_selector("#flash:not([hidden])")
    assert "Someone else changed this excerpt" in ben.text_content("#flash")
    assert ben.get_attribute(f"#s{first}", "data-status") == "suggested"
    with store.session() as s:
        assert s.get(m.SuggestionRow, first).status == "accepted"


def test_validator_signs_off_and_the_summary_locks(live_app, pages, store):
    page = pages()
    _sign_in(page, live_app, "vera")
    page.wait_for_url(re.compile(r"/cities$"))
    page.click("text=Bologna")
    page.wait_for_selector("#signoff-state[data-state=draft]")
    # two charts of the summary, the barrier x condition heatmap, prevalence by role (no survey: no Likert bars)
    assert page.locator("svg").count() == 4
    page.fill('textarea[name="text"]', "Funding calls dominate in Bologna.")
    page.click("text=Save draft")
    page.wait_for_selector("#signoff-form")
    page.fill('#signoff-form textarea[name="comment"]', "Checked against the transcripts.")
    page.click("#signoff-form button[type=submit]")
    page.wait_for_selector("#signoff-state[data-state=signed]")
    assert page.locator("#signoff-form").count() == 0
    assert page.locator('textarea[name="text"]').count() == 0
    assert "Funding calls dominate in Bologna." in page.text_content(".narrative")
    with store.session() as s:
        [row] = s.scalars(select(m.SignOff)).all()
    assert row.content_sha256 in page.text_content("#signoff-state")
    assert not pages.errors, pages.errors


def test_validator_signs_off_the_comparison_across_cities(live_app, pages, store):
    page = pages()
    _sign_in(page, live_app, "vera")
    page.wait_for_url(re.compile(r"/cities$"))
    page.click("#comparison-link")
    page.wait_for_selector("#signoff-state[data-state=draft]")
    assert "Barrier \u00d7 condition, all cities" in page.content()
    claims = page.locator("#policy-narrative li.claim")
    assert claims.count() > 0 and "most present" in page.text_content("#policy-narrative")
    assert page.input_value('textarea[name="text"]').startswith("Funding calls")  # starts from the draft
    page.fill('textarea[name="text"]', "Funding calls are a common trend.")
    page.click("text=Save draft")
    page.wait_for_selector("#signoff-form")
    page.click("#signoff-form button[type=submit]")
    page.wait_for_selector("#signoff-state[data-state=signed]")
    assert page.locator('textarea[name="text"]').count() == 0
    with store.session() as s:
        [row] = s.scalars(select(m.SignOff)).all()
    assert row.city == "*" and row.content["narrative"] == "Funding calls are a common trend."
    assert not pages.errors, pages.errors


def test_validator_switches_studies(live_app, pages, store):
    world.seed_other_study(store, started_later=False)  # the store's newest run stays the first study's
    page = pages()
    _sign_in(page, live_app, "vera")
    page.wait_for_url(re.compile(r"/cities$"))
    assert page.locator("main >> text=Bologna").count() == 1 and page.locator("main >> text=Budapest").count() == 0
    page.select_option('.study-switch select[name="study"]', "budapest")
    page.click(".study-switch button[type=submit]")
    page.wait_for_url(re.compile(r"/cities$"))
    assert page.locator("main >> text=Bologna").count() == 0
    page.click("main >> text=Budapest")
    page.wait_for_selector("#signoff-state[data-state=draft]")
    assert "Budapest" in page.text_content("h1")
    page.goto(live_app + "/studies")
    page.click("tr:has-text('test') >> a.open-study")
    page.wait_for_url(re.compile(r"/cities$"))
    assert page.locator("main >> text=Bologna").count() == 1
    assert page.input_value('.study-switch select[name="study"]') == "test"
    assert not pages.errors, pages.errors


def test_admin_reconciles_a_disagreement(live_app, pages, store, users):
    from app import review
    from app.permissions import CurrentUser

    first = world.excerpts()[0]
    with store.transaction() as s:
        s.add_all(m.Assignment(run_id=world.RUN, excerpt_id=first.id, user_id=users[c]) for c in ("coder", "coder2"))
    funding = world.suggestion_ids(store)[(0, "funding_calls")]
    review.decide(store, CurrentUser(users["coder"], "ana", "coder"), funding, "accept", 0)
    review.decide(store, CurrentUser(users["coder2"], "ben", "coder"), funding, "recode", 0, ["trust"])

    page = pages()
    _sign_in(page, live_app, "admin")
    page.wait_for_url(re.compile(r"/admin$"))
    page.click("header nav >> text=Reconcile")
    card = page.locator(f'article[data-excerpt="{first.id}"][data-state=open]')
    assert card.locator("[data-coder=ana]").text_content().strip().endswith("Funding calls")
    assert "Trust" in card.locator("[data-coder=ben]").text_content()
    assert page.text_content("#left") == "1" and page.locator("#agreement-after").count() == 0
    card.locator('input[name="codes"][value="funding_calls"]').check()
    card.locator('input[name="codes"][value="trust"]').check()
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#none-left")
    assert page.text_content("#left") == "0"
    assert page.locator("#agreement-after tr[data-coder=ana] .kappa-after").count() == 1
    page.click("summary:has-text('Reconciled (1)')")
    agreed = page.locator(f'article[data-excerpt="{first.id}"][data-state=reconciled] .agreed-codes')
    assert agreed.text_content() == "Funding calls, Trust"
    with store.session() as s:
        [d] = s.scalars(select(m.Decision).where(m.Decision.source == "reconciled")).all()
    assert d.codes == ["funding_calls", "trust"]
    assert not pages.errors, pages.errors
