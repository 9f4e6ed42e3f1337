"""End to end in a real headless browser: Debian's chromium, driven by Selenium.

Serves the sample database with `datasette` as `make serve` does, then does what a
reader does first: open the front page, search a word, open a post's thread.
Skipped where chromium and chromedriver are not installed (`make browser` installs
them); CI sets REQUIRE_BROWSER=1, which turns that skip into a failure. With
SCREENSHOTS_DIR set, it saves the screenshots the README shows.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, sample_database

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()

if not HAVE_BROWSER and os.environ.get("REQUIRE_BROWSER"):
    raise RuntimeError("REQUIRE_BROWSER is set but chromium/chromedriver are missing: run `make browser`")
pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason="chromium and chromedriver not installed (make browser)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = sample_database(tmp_path_factory.mktemp("served"))
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    process = subprocess.Popen(
        [str(datasette), "serve", str(path), "--metadata", str(ROOT / "metadata.yml"),
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
                 "--disable-quic", "--window-size=1200,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def screenshot(browser, name):
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / name))


def test_a_readers_first_visit(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Blog archive"
    assert "the most discussed posts" in browser.find_element(By.CSS_SELECTOR, ".metadata-description").text

    # Search the comments for a word that occurs in the samples.
    browser.find_element(By.LINK_TEXT, "comments").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/blog/comments"))
    box = browser.find_element(By.NAME, "_search")
    box.send_keys("gallows", Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("_search=gallows"))
    table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns")
    assert "1 row where search matches" in browser.page_source
    assert "build my own gallows" in table.text
    assert "Latest From Napo 15" in table.text  # the post's title, not its id
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.NAME, "_search"))
    screenshot(browser, "search.png")

    # Open a post's thread from the list of posts.
    browser.get(server + "/blog/posts")
    browser.find_element(By.LINK_TEXT, "The War Goes On").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/-/thread/"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "The War Goes On"
    comment = browser.find_element(By.ID, "comment-2")
    assert "The trade unions are generally weak" in comment.text
    reply = comment.find_element(By.CSS_SELECTOR, "ol.replies > li#comment-2\\.2")
    assert "Brilliant Netnipper" in reply.text
    assert reply.is_displayed()
    # The reply sits under its parent, indented to the right of it.
    assert reply.location["x"] > comment.location["x"]
    browser.execute_script("arguments[0].scrollIntoView()", comment)
    screenshot(browser, "thread.png")
