"""The page in a real browser: Playwright driving Chromium (the system's), against the server run
by uvicorn in a thread. Skipped, with one line, where no Chromium is found (CI installs it).

Screenshots go to each test's temporary folder (page.png, ...)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from serve_tools import pixels, png_bytes

from latentwalk.cli import app

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000
READ_PIXELS = """img => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return Array.from(g.getImageData(0, 0, c.width, c.height).data);
}"""


def chromium() -> str | None:
    """$LATENTWALK_CHROMIUM, else a chromium on PATH, else Debian's (Playwright's own download is tried after)."""
    for candidate in (os.environ.get("LATENTWALK_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is missing: pip install -e '.[test]'")
    with sync_api.sync_playwright() as p:
        exe = chromium() or (p.chromium.executable_path if Path(p.chromium.executable_path).is_file() else None)
        if exe is None:  # neither the system's nor one from `playwright install chromium`
            pytest.skip("no Chromium found (install chromium, or set LATENTWALK_CHROMIUM to its executable)")
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def base_url(web: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread, on a free loopback port."""
    import uvicorn

    from latentwalk.cli.serve import _listen

    sock = _listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture()
def page(browser: Any, base_url: str, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    problems: list[str] = []
    p.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    p.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    p.goto(base_url + "/")
    p.wait_for_selector(".metric-table", timeout=WAIT_MS)  # the first walk is in
    yield p
    p.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()
    assert not problems, problems


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return bytes(r.read())


def shown(page: Any, selector: str) -> np.ndarray:
    """The pixels an <img> shows (its red channel: the frames are grey)."""
    img = page.locator(selector)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0 && !img.classList.contains('loading')",
                           arg=img.element_handle(), timeout=WAIT_MS)
    rgba = np.array(img.evaluate(READ_PIXELS), dtype=np.uint8)
    w = img.evaluate("img => img.naturalWidth")
    return rgba.reshape(-1, w, 4)[..., 0]


def panels(page: Any) -> list[str]:
    return page.locator("#frames .panel").evaluate_all("els => els.map(e => e.dataset.method)")


def wait_src(page: Any, selector: str, text: str) -> str:
    handle = page.locator(selector).element_handle()
    page.wait_for_function("([img, text]) => img.src.includes(text) && img.complete", arg=[handle, text], timeout=WAIT_MS)
    return str(handle.get_attribute("src"))


def test_switching_to_a_sound_model_keeps_only_its_own_controls(page: Any, base_url: str, tmp_path: Path) -> None:
    """First in the file, while the digits model's directions are still being found for the first page."""
    page.select_option("#model", "tiny-tones")  # at once: the digits model's directions may still be on their way
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('walked tones:kind=cry')",
                           timeout=WAIT_MS)
    fetch(base_url + "/api/directions?model=tiny-vae")  # whatever the digits model answers late has arrived
    page.wait_for_function("() => document.querySelector('#dir-note').textContent.includes('tiny-tones')", timeout=WAIT_MS)
    assert page.locator("#dir-sliders input").count() == 0
    factors = page.locator("#factors label").all_inner_texts()
    assert factors == ["f0", "loudness", "timbre", "noise", "kind"]
    assert page.locator(".listen:visible").count() == 3
    panel = page.locator('#frames .panel[data-method="slerp"]')
    assert panel.locator("button").all_inner_texts() == ["▶ t", "▶ walk"]
    src = wait_src(page, '#frames img[data-method="slerp"]', "model=tiny-tones")
    assert "format=png" in src and fetch(base_url + src.replace("format=png", "format=wav"))[8:12] == b"WAVE"
    page.screenshot(path=str(tmp_path / "sound.png"), full_page=True)


def test_the_t_slider_shows_each_methods_frame_from_the_api(page: Any, base_url: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    methods = panels(page)
    assert methods == ["crossfade", "lerp", "matched", "slerp"]
    before = {m: shown(page, f'#frames img[data-method="{m}"]') for m in methods}
    page.focus("#t")
    page.keyboard.press("End")  # the keyboard alone: t = 1
    for _ in range(250):
        page.keyboard.press("ArrowLeft")  # t = 0.750
    assert page.locator("#t").input_value() == "0.75"
    page.wait_for_function("() => document.querySelector('#t-out').textContent === '0.750'", timeout=WAIT_MS)
    for m in methods:
        src = wait_src(page, f'#frames img[data-method="{m}"]', "t=0.750")
        after = shown(page, f'#frames img[data-method="{m}"]')
        assert np.array_equal(after, pixels(fetch(base_url + src))), m  # the page shows /api/frame's answer
        assert not np.array_equal(after, before[m]), m  # and it changed with t
    page.screenshot(path=str(tmp_path / "t-moved.png"), full_page=True)
    marker = page.locator(".plot .marker").first
    assert abs(float(marker.get_attribute("x1")) - (44 + 0.75 * 248)) < 0.5  # the profiles mark t


def test_the_keyboard_reaches_every_control_and_numbers_say_what_they_mean(page: Any) -> None:
    reached = set()
    page.focus("#model")
    for _ in range(140):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id || document.activeElement.className"))
    for control in ("t", "play", "loop", "walk-btn", "export-btn", "steps", "schedule", "upload", "triangle", "dir-kind",
                    "dir-reset", "use-factors", "slot-A", "slot-B", "thumb"):
        assert control in reached, (control, sorted(reached))
    page.focus("#play")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#t').value !== '0.5'", timeout=WAIT_MS)
    page.keyboard.press("Enter")
    assert page.locator("#play").get_attribute("aria-pressed") == "false"
    cells = page.locator(".metric-table td, .metric-table th").evaluate_all("els => els.map(e => e.title)")
    assert cells and all(cells)
    assert all(page.locator(".profile figcaption").evaluate_all("els => els.map(e => e.title)"))
    assert all(page.locator("#dir-sliders input").evaluate_all("els => els.map(e => e.title)"))
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, button')].filter(e =>
        !e.labels?.length && !e.getAttribute('aria-label') && !e.title && !e.textContent.trim()).map(e => e.outerHTML)""")
    assert not unlabelled


def test_upload_a_png_and_walk_to_it(page: Any, base_url: str, tmp_path: Path) -> None:
    image = np.zeros((32, 32), np.uint8)
    image[4:28, 13:19] = 255  # a "1"
    (tmp_path / "one.png").write_bytes(png_bytes(image))
    page.focus('.slot[data-slot="B"] input[type=radio]')
    page.keyboard.press("Space")
    page.set_input_files("#upload", str(tmp_path / "one.png"))
    page.wait_for_function("() => document.querySelector('#slot-B').value.startsWith('upload:')", timeout=WAIT_MS)
    upload = page.locator("#slot-B").input_value()
    page.wait_for_function("u => document.querySelector('#status').textContent.startsWith('walked digits:3 → ' + u)",
                           arg=upload, timeout=WAIT_MS)  # the walk to the upload is in
    assert page.locator("#metrics.stale").count() == 0
    src = wait_src(page, '#frames img[data-method="slerp"]', f"to={upload.replace(':', '%3A')}")
    assert np.array_equal(shown(page, '#frames img[data-method="slerp"]'), pixels(fetch(base_url + src)))
    page.screenshot(path=str(tmp_path / "uploaded.png"), full_page=True)


def test_a_direction_slider_moves_the_frames(page: Any, base_url: str, tmp_path: Path) -> None:
    page.wait_for_selector("#dir-sliders input", timeout=WAIT_MS)
    before = shown(page, '#frames img[data-method="slerp"]')
    slider = page.locator('#dir-sliders input[data-dir="atvec:ink"]')
    slider.focus()
    for _ in range(25):
        page.keyboard.press("ArrowRight")  # +2.5 sigma
    assert slider.input_value() == "2.5"
    src = wait_src(page, '#frames img[data-method="slerp"]', "dir=atvec%3Aink&alpha=2.50")
    after = shown(page, '#frames img[data-method="slerp"]')
    assert np.array_equal(after, pixels(fetch(base_url + src))) and not np.array_equal(after, before)
    page.focus("#triangle")
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    assert page.locator("#triangle").get_attribute("aria-valuetext") != "A 0.33, B 0.33, C 0.33"
    wait_src(page, "#mix-img", "alpha=2.50")
    page.screenshot(path=str(tmp_path / "direction.png"), full_page=True)


def test_export_downloads_the_folder_that_reruns(page: Any, tmp_path: Path) -> None:
    page.focus("#export-btn")
    with page.expect_download(timeout=WAIT_MS) as download:
        page.keyboard.press("Enter")
    zipped = tmp_path / download.value.suggested_filename
    download.value.save_as(zipped)
    with zipfile.ZipFile(zipped) as z:
        z.extractall(tmp_path / "out")
    (folder,) = (tmp_path / "out").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["methods"] == ["crossfade", "lerp", "matched", "slerp"]
    assert (folder / "slerp" / "walk.gif").is_file() and (folder / "slerp" / "walk.mp4").is_file()
    result = CliRunner().invoke(app, ["rerun", str(folder)])
    assert result.exit_code == 0 and "re-created bit for bit" in result.stdout, result.stdout + result.stderr
    page.wait_for_selector("#export-link:not([hidden])")

