"""End to end in a real headless browser: Debian's chromium, driven by Selenium.

Serves a database of the samples, two planted exports and hostile text with
`datasette` as `make serve` does, then does what a reader does: open the front page
and search a table; open a thread and follow a reference to the comment it
addresses; open an author from a comment; look at the activity charts; search and
land on a comment. It checks that no page runs what strangers wrote, that nothing is
fetched from anywhere but the server, that the pages read on a phone and in print,
and the accessibility basics: headings in order, links with text, text contrast of
4.5:1 or more, keyboard focus visible, and (where ``make axe`` could install it)
no serious or critical violation that axe-core finds.

Skipped where chromium and chromedriver are not installed (`make browser` installs
them); CI sets REQUIRE_BROWSER=1, which turns that skip into a failure. With
SCREENSHOTS_DIR set, it saves the screenshots the README shows. The browser runs
with its background networking off; every resource a page loads is checked to come
from the server under test.
"""
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .browse_data import rich_database
from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
# axe-core, installed from npm by `make axe` (a prerequisite of `make test`), never committed.
AXE = Path(os.environ.get("AXE_JS", ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
TARGET_BACKGROUND = "rgb(255, 241, 184)"  # browse.css: --target, a comment jumped to

if not HAVE_BROWSER and os.environ.get("REQUIRE_BROWSER"):
    raise RuntimeError("REQUIRE_BROWSER is set but chromium/chromedriver are missing: run `make browser`")
pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason="chromium and chromedriver not installed (make browser)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return rich_database(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def db(database):
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    yield con
    con.close()


@pytest.fixture(scope="module")
def server(database):
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    process = subprocess.Popen(
        [str(datasette), "serve", str(database), "--metadata", str(ROOT / "metadata.yml"),
         "--host", "127.0.0.1", "--port", str(port), "--setting", "sql_time_limit_ms", "3000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("datasette did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--window-size=1200,900",
                 # The network off for the pages: anything not on this machine goes to a
                 # proxy that is not there (loopback is never proxied), so a page that
                 # needed a CDN would fail here.
                 "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def window(browser):
    """The browser at its usual size, and back to it after a test that changes it."""
    browser.set_window_size(1200, 900)
    yield browser
    browser.set_window_size(1200, 900)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def screenshot(browser, name):
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / name))


def wait_for(browser, condition, timeout=10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def in_viewport(browser, element) -> bool:
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;", element)


def highlighted(browser, element) -> bool:
    return browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", element) == \
        TARGET_BACKGROUND and browser.execute_script("return arguments[0].matches(':target')", element)


def only_local_resources(browser, server):
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith(server + "/") for name in resources), resources


def nothing_ran(browser):
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.title != "pwned"
    assert browser.execute_script(
        "return document.querySelectorAll('[onerror], [onload], [onclick], a[href^=\"javascript\" i]').length") == 0


def test_the_browser_reaches_nothing_beyond_this_machine(server, window):
    """What the tests below show works with the network off: a page that needed
    anything from elsewhere (a CDN's script, a web font) would fail them."""
    browser = window
    browser.set_page_load_timeout(30)
    for address in ("https://cdn.jsdelivr.net/npm/vega@5", "http://93.184.215.14/"):
        try:
            browser.get(address)
        except Exception:  # a page that fails to load may raise, by driver version
            pass
        assert "ERR_" in browser.page_source, address
    browser.get(server + "/")
    assert "ERR_" not in browser.page_source


# -- what a reader does --------------------------------------------------------------------------


def test_a_readers_first_visit(server, window):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions

    browser = window
    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Blog archive"
    assert "the most discussed posts" in browser.find_element(By.CSS_SELECTOR, ".metadata-description").text

    # Search the comments table for a word that occurs in the samples.
    browser.find_element(By.LINK_TEXT, "comments").click()
    wait_for(browser, expected_conditions.url_contains("/blog/comments"))
    box = browser.find_element(By.NAME, "_search")
    box.send_keys("gallows", Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("_search=gallows"))
    table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns")
    assert "1 row where search matches" in browser.page_source
    assert "build my own gallows" in table.text
    # The post's title, not its id: a link to the comment in its thread.
    link = table.find_element(By.LINK_TEXT, "Latest From Napo 15")
    assert "/-/thread/" in link.get_attribute("href") and "#c" in link.get_attribute("href")

    # The posts table: its long columns hidden, its column descriptions folded away.
    browser.get(server + "/blog/posts")
    assert "_nocol=body" in browser.current_url
    assert not browser.find_element(By.CSS_SELECTOR, "dl.column-descriptions").is_displayed()
    assert browser.execute_script("return document.documentElement.scrollWidth") < 1600
    assert not browser.find_elements(By.CSS_SELECTOR, "th[data-column='body']")
    # "Show all columns" in a column's menu shows them all.
    browser.find_element(By.CSS_SELECTOR, "th[data-column='title'] .dropdown-menu-icon").click()
    browser.find_element(By.CSS_SELECTOR, "a.dropdown-show-all-columns").click()
    wait_for(browser, expected_conditions.url_contains("_all=1"))
    assert browser.find_element(By.CSS_SELECTOR, "th[data-column='body']")
    browser.get(server + "/blog/posts")
    # Open a post's thread from the list of posts.
    browser.find_element(By.LINK_TEXT, "The War Goes On").click()
    wait_for(browser, expected_conditions.url_contains("/-/thread/"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "The War Goes On"
    comment = browser.find_element(By.CSS_SELECTOR, "article.comment[data-path='2']")
    assert "The trade unions are generally weak" in comment.text
    reply = browser.find_element(By.CSS_SELECTOR, "li.thread-item ol.replies article[data-path='2.2']")
    assert "Brilliant Netnipper" in reply.text and reply.is_displayed()
    # The reply sits under its parent, indented to the right of it.
    assert reply.location["x"] > comment.location["x"]
    only_local_resources(browser, server)


def far_reference(db):
    """A time reference and the comment it addresses, as far apart in their thread as any."""
    return db.execute(
        """SELECT r.post_id, r.comment_id, r.target_comment_id, r.text FROM comment_refs r
           JOIN comments c ON c.id = r.comment_id JOIN comments t ON t.id = r.target_comment_id
           WHERE r.kind = 'time' ORDER BY c.seq - t.seq DESC, r.id LIMIT 1""").fetchone()


def test_a_time_reference_lands_on_the_comment_it_addresses(server, db, window):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    browser = window
    ref = far_reference(db)
    browser.set_window_size(1200, 700)
    browser.get(f"{server}/-/thread/{ref['post_id']}")
    source = browser.find_element(By.ID, f"c{ref['comment_id']}")
    target = browser.find_element(By.ID, f"c{ref['target_comment_id']}")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", source)
    assert not in_viewport(browser, target) and not highlighted(browser, target)
    link = source.find_element(By.CSS_SELECTOR, f"a.ref[href='#c{ref['target_comment_id']}']")
    assert link.text == " ".join(ref["text"].split("\n"))
    link.click()
    wait_for(browser, expected_conditions.url_contains(f"#c{ref['target_comment_id']}"))
    assert in_viewport(browser, target)
    assert highlighted(browser, target)
    # The comment addressed names the one that answers it, and leads back there.
    answered = target.find_element(By.CSS_SELECTOR, ".answered")
    answered.find_element(By.CSS_SELECTOR, f"a[href='#c{ref['comment_id']}']").click()
    wait_for(browser, expected_conditions.url_contains(f"#c{ref['comment_id']}"))
    assert in_viewport(browser, source) and highlighted(browser, source) and not highlighted(browser, target)
    link.click()
    wait_for(browser, expected_conditions.url_contains(f"#c{ref['target_comment_id']}"))
    browser.set_window_size(1200, 900)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -80)", target)
    screenshot(browser, "thread.png")
    only_local_resources(browser, server)


def test_an_author_page_opens_from_a_comment(server, db, window):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    browser = window
    row = db.execute("""SELECT c.id, c.post_id, a.id AS author_id, a.name FROM comments c
                        JOIN authors a ON a.id = c.author_id WHERE a.kind = 'profile'
                        GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1""").fetchone()
    browser.get(f"{server}/-/thread/{row['post_id']}")
    browser.find_element(By.CSS_SELECTOR, f"#c{row['id']} a.author").click()
    wait_for(browser, expected_conditions.url_contains(f"/-/author/{row['author_id']}"))
    assert browser.find_element(By.TAG_NAME, "h1").text == row["name"]
    written = browser.find_elements(By.CSS_SELECTOR, "ol.written article.comment")
    assert len(written) == db.execute("SELECT count(*) FROM comments WHERE author_id = ?",
                                      [row["author_id"]]).fetchone()[0]
    assert browser.find_element(By.ID, f"w{row['id']}")
    screenshot(browser, "author.png")
    only_local_resources(browser, server)


def test_the_activity_charts_plot_what_the_database_counts(server, db, window):
    from selenium.webdriver.common.by import By

    browser = window
    browser.get(f"{server}/-/activity")

    def plotted(chart):
        svg = browser.find_element(By.ID, f"chart-{chart}")
        size = svg.size
        assert size["width"] > 300 and size["height"] > 80  # drawn, not just present
        return browser.execute_script(
            "return Array.from(arguments[0].querySelectorAll('rect.bar, circle.point')).map(b => "
            "[b.dataset.label, Number(b.dataset.value.replace(/,/g, '')), b.getBoundingClientRect().height])", svg)

    posts = plotted("posts-per-month")
    assert posts and sum(v for _, v, _ in posts) == db.execute(
        "SELECT count(*) FROM posts WHERE published_month IS NOT NULL").fetchone()[0]
    for month, value, height in posts:
        assert value == db.execute("SELECT count(*) FROM posts WHERE published_month = ?", [month]).fetchone()[0]
        assert (height > 0) == (value > 0)
    for month, value, _ in plotted("comments-per-month"):
        own = db.execute("SELECT count(*) FROM comments WHERE published_at LIKE ? || '%'", [month]).fetchone()[0]
        theirs = db.execute("SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id "
                            "WHERE c.published_at IS NULL AND p.published_month = ?", [month]).fetchone()[0]
        assert value == own + theirs, month
    for year, value, _ in plotted("posts-per-year"):
        assert value == db.execute("SELECT count(*) FROM posts WHERE published_year = ?", [int(year)]).fetchone()[0]
    # The numbers, one click away.
    details = browser.find_element(By.CSS_SELECTOR, "#posts-per-month details.numbers")
    details.find_element(By.TAG_NAME, "summary").click()
    rows = details.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(posts) and rows[0].is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    screenshot(browser, "activity.png")
    only_local_resources(browser, server)


def test_search_lands_on_the_comment_in_its_thread(server, db, window):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions

    browser = window
    browser.get(f"{server}/-/activity")
    box = browser.find_element(By.ID, "blog-search")
    box.send_keys("union", Keys.ENTER)
    wait_for(browser, expected_conditions.url_contains("/-/search?q=union"))
    results = browser.find_elements(By.CSS_SELECTOR, "li.result")
    assert results and all(r.find_elements(By.TAG_NAME, "mark") for r in results)
    screenshot(browser, "search.png")
    browser.get(f"{server}/-/search?q=gallows")
    hit = browser.find_element(By.CSS_SELECTOR, "li.result a.hit")
    comment_id, post_id = db.execute("SELECT id, post_id FROM comments WHERE body LIKE '%gallows%'").fetchone()
    hit.click()
    wait_for(browser, expected_conditions.url_contains(f"/-/thread/{post_id}#c{comment_id}"))
    target = browser.find_element(By.ID, f"c{comment_id}")
    assert "gallows" in target.text and in_viewport(browser, target) and highlighted(browser, target)
    only_local_resources(browser, server)


# -- what strangers wrote ------------------------------------------------------------------------


def hostile_pages(db):
    posts = [row[0] for row in db.execute("SELECT id FROM posts WHERE title LIKE '%<script>%'")]
    author = db.execute("SELECT id FROM authors WHERE name LIKE 'Mallory%'").fetchone()[0]
    source = db.execute("SELECT id FROM sources WHERE path = 'hostile.txt'").fetchone()[0]
    return ([f"/-/thread/{p}" for p in posts] + [f"/-/author/{author}", "/-/search?q=pwned", "/-/authors",
            f"/-/source/{source}?lines=1-20", "/blog/comments?_search=pwned", "/blog/posts?_all=1"])


def test_no_page_runs_what_strangers_wrote(server, db, window):
    from selenium.webdriver.common.by import By

    browser = window
    for url in hostile_pages(db):
        browser.get(server + url)
        assert browser.find_element(By.TAG_NAME, "body")
        time.sleep(0.2)  # an image's onerror fires after the load
        nothing_ran(browser)
    # The hostile text is there, as text.
    browser.get(server + hostile_pages(db)[0])
    assert "<script>window.pwned" in browser.find_element(By.TAG_NAME, "h1").text


# -- phones and print ---------------------------------------------------------------------------


def test_a_thread_reads_on_a_phone_and_prints_without_navigation(server, db, window):
    from selenium.webdriver.common.by import By

    browser = window
    ref = far_reference(db)
    browser.set_window_size(390, 844)
    browser.get(f"{server}/-/thread/{ref['post_id']}")
    width = browser.execute_script("return window.innerWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    body = browser.find_element(By.CSS_SELECTOR, "article.comment .comment-body")
    assert body.size["width"] > 0.7 * width
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    hidden = browser.execute_script(
        "return ['.blog-nav', 'header', 'footer'].map(s => getComputedStyle(document.querySelector(s)).display)")
    assert hidden == ["none", "none", "none"]
    assert browser.find_element(By.CSS_SELECTOR, "article.comment").is_displayed()


# -- accessibility ------------------------------------------------------------------------------

# Colours as the browser computed them, for every element with text of its own: the
# text's colour and the background it is drawn on (ancestors' backgrounds composed).
CONTRAST_JS = """
function rgba(s) { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; }
function over(top, under) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
}
function background(el) {
  const layers = [];
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
  let bg = [255, 255, 255, 1];
  for (const layer of layers.reverse()) bg = over(layer, bg);
  return bg;
}
const out = [];
for (const el of document.querySelectorAll('body *')) {
  const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  if (style.display === 'none' || style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
  const inSvg = el.closest('svg');
  const fg = rgba(inSvg ? style.fill : style.color);
  const bg = background(inSvg ? inSvg : el);
  out.push([el.tagName + '.' + el.className, el.textContent.trim().slice(0, 40), over(fg, bg), bg]);
}
return out;
"""


def luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg, bg):
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def a11y_pages(db):
    ref = far_reference(db)
    author = db.execute("SELECT author_id FROM comments WHERE author_id IS NOT NULL GROUP BY author_id "
                        "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    source = db.execute("SELECT id FROM sources WHERE path = 'hostile.txt'").fetchone()[0]
    return [f"/-/thread/{ref['post_id']}#c{ref['target_comment_id']}", f"/-/author/{author}", "/-/authors",
            "/-/activity", "/-/search?q=union", "/-/search?q=%22", f"/-/source/{source}?lines=7-8"]


def test_headings_links_contrast_and_focus(server, db, window):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = window
    for url in a11y_pages(db):
        browser.get(server + url)
        # Headings in order: one h1 first, and never a level skipped on the way down.
        levels = browser.execute_script(
            "return Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))"
            ".filter(h => h.getClientRects().length).map(h => Number(h.tagName[1]))")
        assert levels and levels[0] == 1 and levels.count(1) == 1, (url, levels)
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (url, levels)
        # Every link says where it goes.
        nameless = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href]')).filter(a => !(a.textContent.trim() || "
            "a.getAttribute('aria-label') || a.getAttribute('title'))).map(a => a.outerHTML)")
        assert nameless == [], (url, nameless)
        # Text contrast of 4.5:1 at least, every element with text.
        low = [(what, text, round(contrast(fg, bg), 2)) for what, text, fg, bg in browser.execute_script(CONTRAST_JS)
               if contrast(fg, bg) < 4.5]
        assert low == [], (url, low)
        # Keyboard focus is visible: tab through the first links, each shows an outline.
        browser.find_element(By.TAG_NAME, "body").click()
        browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        seen = 0
        for _ in range(8):
            browser.switch_to.active_element.send_keys(Keys.TAB)
            focused = browser.switch_to.active_element
            if focused.tag_name not in ("a", "button", "input", "summary"):
                continue
            style, width = browser.execute_script(
                "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, parseFloat(s.outlineWidth)]",
                focused)
            assert style != "none" and width >= 2, (url, focused.get_attribute("outerHTML")[:80], style, width)
            seen += 1
        assert seen >= 4, url


@pytest.mark.skipif(not AXE.exists(), reason=f"axe-core not installed ({AXE}): `make axe` installs it from npm")
def test_axe_finds_nothing_serious(server, db, window):
    browser = window
    source = AXE.read_text(encoding="utf-8")
    for url in a11y_pages(db):
        browser.get(server + url)
        browser.execute_script(source)
        violations = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => "
            "[v.id, v.impact, v.nodes.length, v.nodes.slice(0, 2).map(n => n.html)])));")
        serious = [v for v in violations if v[1] in ("serious", "critical")]
        assert serious == [], (url, serious)
