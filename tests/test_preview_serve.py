"""`lemma preview --serve`: a real server process on 127.0.0.1, real file edits, real HTTP,
and (marked slow) headless Chromium driving the pages: math rendered by the MathJax copy,
reload after an edit, the error overlay and its recovery."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from lxml import html as lxml_html

from lemma_pkg.render.mathjax import local_files
from lemma_pkg.render.preview import preview_project
from lemma_pkg.render.site import SiteBuilder, SiteRenderer

from .conftest import FIXTURES, REPO

T = TypeVar("T")
LESSON = Path("content_src/modules/01-basics/concepts.md")
MODULE = Path("content_src/modules/01-basics/module.yaml")
UNREACHABLE_CDN = "http://127.0.0.1:9/mathjax/tex-chtml.js"  # discard port: refused


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """Poll ``check`` until it returns a value (not a timing test: a bound on waiting)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Served:
    def __init__(self, course: Path, *args: str) -> None:
        self.course = course
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lemma_pkg",
                "-v",
                "preview",
                "--serve",
                "--port",
                "0",
                *args,
                ".",
            ],
            cwd=course,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise AssertionError(f"no URL from the server: {line!r} {self.stderr()}")
        self.url = line.strip()

    def get(self, path: str = "") -> requests.Response:
        return requests.get(self.url + path, timeout=10)

    def state(self) -> dict[str, Any]:
        doc: dict[str, Any] = self.get("_lemma/state").json()
        return doc

    def next_state(self, after: int) -> dict[str, Any]:
        def newer() -> dict[str, Any] | None:
            s = self.state()
            return s if s["build"] > after else None

        return wait_for(newer, f"a build after build {after}")

    def edit(self, rel: Path, change: Callable[[str], str]) -> dict[str, Any]:
        """Change a source file and return the state of the build that follows."""
        before = self.state()["build"]
        path = self.course / rel
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        return self.next_state(before)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def stderr(self) -> str:
        self.stop()
        assert self.proc.stderr is not None
        return self.proc.stderr.read()


@pytest.fixture
def course(tmp_path: Path) -> Path:
    dest = tmp_path / "course"
    shutil.copytree(FIXTURES / "course_small", dest)
    return dest


@pytest.fixture
def served(course: Path) -> Iterator[Served]:
    server = Served(course, "--mathjax-url", UNREACHABLE_CDN)
    yield server
    server.stop()


def test_serves_the_site_and_its_files(served: Served) -> None:
    index = served.get()
    assert index.status_code == 200
    doc = lxml_html.fromstring(index.content)
    assert doc.findtext(".//title") == "Small course: multilevel basics"
    # the page is told who it is, and loads the live-reload script
    state = served.state()
    assert state["ok"] is True and state["build"] == 1
    assert f'"etag": "{state["pages"]["index.html"]}"' in index.text
    assert doc.xpath("//script[@src='/_lemma/live.js']")
    assert "function" in served.get("_lemma/live.js").text
    # data sets download; images are served from the sources
    data = served.get("files/01-basics-tutorial/tutorial.csv")
    assert data.headers["Content-Disposition"] == 'attachment; filename="tutorial.csv"'
    source = served.course / "content_src/modules/01-basics/data/tutorial.csv"
    assert data.content == source.read_bytes()
    image = served.get("01-basics-what-is-mlm/figure1.png")
    assert image.headers["Content-Type"] == "image/png"
    assert "Content-Disposition" not in image.headers
    # the MathJax copy, fonts included
    for name in ("_lemma/mathjax/tex-chtml-full.js", "_lemma/mathjax/LICENSE"):
        assert served.get(name).content == local_files()[name].read_bytes()
    missing = served.get("no-such-page.html")
    assert missing.status_code == 404
    assert "No page no-such-page.html" in missing.text
    assert '"etag": null' in missing.text  # the page reloads once it exists


def test_an_edit_changes_that_page_only(served: Served) -> None:
    before = served.state()
    after = served.edit(LESSON, lambda t: t + "\nA new paragraph.\n")
    assert after["ok"] is True
    changed = {n for n in after["pages"] if after["pages"][n] != before["pages"][n]}
    assert changed == {"01-basics-what-is-mlm.html"}
    assert "A new paragraph." in served.get("01-basics-what-is-mlm.html").text
    # a title shown in the navigation changes every page
    after2 = served.edit(LESSON, lambda t: t.replace('title: "What', 'title: "Renamed: what', 1))
    assert after2["ok"] is True
    assert all(after2["pages"][n] != after["pages"][n] for n in after["pages"])


def test_errors_are_published_and_clear_on_the_next_good_save(served: Served) -> None:
    good = served.state()
    bad = served.edit(LESSON, lambda t: t + "\nSee [the data](data/nothere.csv).\n")
    assert bad["ok"] is False
    lines = (served.course / LESSON).read_text(encoding="utf-8").split("\n")
    line_no = next(i for i, line in enumerate(lines, 1) if "nothere.csv" in line)
    col = lines[line_no - 1].index("data/nothere.csv") + 1
    [diag] = bad["diagnostics"]
    assert diag["code"] == "LEM030"
    assert diag["location"] == f"{LESSON.as_posix()}:{line_no}:{col}"
    assert diag["message"] == 'link target "data/nothere.csv" does not exist'
    assert diag["hint"].startswith("paths are relative to the Markdown file's folder")
    assert bad["pages"] == good["pages"]  # the last good site is still served
    assert served.get("01-basics-what-is-mlm.html").status_code == 200
    fixed = served.edit(LESSON, lambda t: t.replace("data/nothere.csv", "data/tutorial.csv"))
    assert fixed["ok"] is True and fixed["diagnostics"] == []
    assert (
        fixed["pages"]["01-basics-what-is-mlm.html"] != good["pages"]["01-basics-what-is-mlm.html"]
    )


def test_events_stream_sends_each_build(served: Served) -> None:
    with requests.get(served.url + "_lemma/events", stream=True, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "text/event-stream"
        lines = resp.iter_lines(chunk_size=1, decode_unicode=True)

        def next_state() -> dict[str, Any]:
            for line in lines:
                if line.startswith("data: "):
                    doc: dict[str, Any] = json.loads(line[6:])
                    return doc
            raise AssertionError("stream ended")

        assert next_state()["build"] == 1
        (served.course / MODULE).write_text("title: [\n", encoding="utf-8")
        broken = next_state()
        assert broken["build"] == 2 and broken["ok"] is False
        assert broken["diagnostics"][0]["path"] == MODULE.as_posix()


def test_a_course_with_errors_from_the_start_recovers(course: Path) -> None:
    module = course / MODULE
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("items:", "itemz:"), encoding="utf-8")
    server = Served(course)
    try:
        state = server.state()
        assert state["ok"] is False and state["pages"] == {}
        assert {d["code"] for d in state["diagnostics"]} >= {"LEM004"}
        page = server.get()
        assert page.status_code == 200 and "The course has errors" in page.text
        after = server.edit(MODULE, lambda t: text)
        assert after["ok"] is True and "index.html" in after["pages"]
        assert "Small course" in server.get().text
    finally:
        server.stop()


def test_offline_pages_load_the_local_mathjax(course: Path) -> None:
    server = Served(course, "--offline")
    try:
        doc = lxml_html.fromstring(server.get("01-basics-what-is-mlm.html").content)
        [script] = doc.xpath("//script[@id='MathJax-script']")
        assert script.get("src") == "_lemma/mathjax/tex-chtml-full.js"
        assert script.get("onerror") is None
    finally:
        server.stop()


def test_port_in_use_is_a_usage_error(served: Served) -> None:
    port = served.url.rsplit(":", 1)[1].strip("/")
    proc = subprocess.run(
        [sys.executable, "-m", "lemma_pkg", "preview", "--serve", "--port", port, "."],
        cwd=served.course,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert f"error: cannot serve on 127.0.0.1:{port}: " in proc.stderr
    assert "hint: choose another port with --port (0: any free port)" in proc.stderr


def test_serve_and_out_do_not_go_together(course: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lemma_pkg", "preview", "--serve", "--out", "site", "."],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "--out and --serve do not go together" in proc.stderr


# ------------------------------------------------------------------ incremental rendering


def _fresh(course: Path) -> dict[str, str]:
    builder = SiteBuilder(course)
    assert builder.build().ok
    assert builder.site is not None
    return builder.site.pages


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        (LESSON, "Inline math", "Inline maths"),  # one lesson
        (MODULE, "title: Module 1 quiz", "title: First quiz"),  # a title in the navigation
        (Path("gift_quizzes/basics.gift"), "::", "::Edited "),  # a quiz
        (Path("content_src/glossary.yaml"), "definition:", "definition: Edited."),
        (Path("content_src/course.yaml"), 'fullname: "Small', 'fullname: "Renamed'),
    ],
)
def test_incremental_build_equals_a_fresh_one(course: Path, rel: Path, old: str, new: str) -> None:
    builder = SiteBuilder(course)
    first = builder.build()
    assert first.ok and first.rendered == len(_fresh(course))
    path = course / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    second = builder.build()
    assert second.ok, second.diagnostics
    assert builder.site is not None
    assert builder.site.pages == _fresh(course)
    assert second.changed  # something changed, and only it was rendered again
    assert second.rendered <= len(second.changed | {"index.html"})
    unchanged = builder.build()
    assert unchanged.changed == frozenset() and unchanged.rendered == 1  # the index


def test_incremental_build_notices_a_linked_file_appearing(course: Path) -> None:
    builder = SiteBuilder(course)
    lesson = course / LESSON
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n![new](images/new.png)\n")
    assert not builder.build().ok  # a missing image
    shutil.copyfile(course / "content_src/modules/01-basics/images/figure1.png",
                    course / "content_src/modules/01-basics/images/new.png")  # fmt: skip
    again = builder.build()
    assert again.ok and builder.site is not None
    assert builder.site.pages == _fresh(course)
    assert "01-basics-what-is-mlm/new.png" in builder.site.files


def test_static_preview_is_the_rendered_site(course: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = preview_project(course, Path(tmp) / "site", None)
        assert run.preview is not None
        builder = SiteBuilder(course)
        builder.build()
        assert builder.site is not None
        for name, html in builder.site.pages.items():
            assert (Path(tmp) / "site" / name).read_text(encoding="utf-8") == html
        for name in builder.site.files:
            assert (Path(tmp) / "site" / name).is_file()
    assert SiteRenderer().rendered == 0


# ------------------------------------------------------------------ headless Chromium

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run)")
        pytest.skip("headless browser test: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.slow
def test_in_a_browser_math_reload_and_error_overlay(served: Served, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    def js(script: str) -> Any:
        return browser.execute_script(script)

    # the index loads
    browser.get(served.url)
    assert browser.title == "Small course: multilevel basics"
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text == browser.title

    # a lesson shows math typeset by MathJax (the CDN is unreachable: the local copy)
    browser.find_element(By.LINK_TEXT, "What is multilevel modelling?").click()
    wait_for(lambda: js("return document.querySelectorAll('mjx-container').length >= 2"),
             "MathJax output")  # fmt: skip
    src = js("return document.getElementById('MathJax-script').getAttribute('src')")
    assert src == "_lemma/mathjax/tex-chtml-full.js"
    assert js("return MathJax.version") == "3.2.2"
    assert js("return document.querySelectorAll('mjx-merror').length") == 0

    # editing the lesson reloads the page
    js("window.lemmaBeforeReload = true")
    served.edit(LESSON, lambda t: t + "\nReloaded after the edit.\n")
    wait_for(lambda: "Reloaded after the edit." in browser.find_element(By.TAG_NAME, "main").text,
             "the reloaded page")  # fmt: skip
    assert js("return window.lemmaBeforeReload === undefined")

    # an error shows over the page, with where and how to fix it
    served.edit(LESSON, lambda t: t + "\n![chart](images/missing.png)\n")
    overlay = wait_for(lambda: browser.find_elements(By.ID, "lemma-errors"), "the error overlay")[0]
    assert overlay.is_displayed()
    text = overlay.text
    assert "The course has errors (1 error)" in text
    assert f"{LESSON.as_posix()}:" in text and "error[LEM030]" in text
    assert 'image target "images/missing.png" does not exist' in text
    assert "hint: paths are relative to the Markdown file's folder" in text

    # the next good save clears it and shows the new page
    served.edit(LESSON, lambda t: t.replace("![chart](images/missing.png)", "Fixed again."))
    wait_for(lambda: not browser.find_elements(By.ID, "lemma-errors"), "the overlay to clear")
    wait_for(lambda: "Fixed again." in browser.find_element(By.TAG_NAME, "main").text,
             "the fixed page")  # fmt: skip


def test_the_mathjax_copy_matches_its_checksums() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fetch_mathjax.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "MathJax 3.2.2: 25 files, 0 problems\n"
    assert set(local_files()) == {
        f"_lemma/mathjax/{line.split('  ', 1)[1]}"
        for line in (REPO / "lemma_pkg/render/mathjax/SHA256SUMS").read_text().splitlines()
    }
