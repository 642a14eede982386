"""End-to-end in real headless Chromium (Debian's chromium driven by Playwright, no browser download)
against `streamlit run app/main.py --server.headless=true` on a free local port."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with its own stores; stopped at the end."""
    folder = tmp_path_factory.mktemp("app")
    port = free_port()
    env = dict(os.environ, ALLOCATOR_STORE=str(folder / "store.sqlite"),
               ALLOCATOR_SCENARIOS=str(folder / "scenarios.sqlite"))
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen([streamlit, "run", "app/main.py", "--server.headless=true", f"--server.port={port}",
                             "--browser.gatherUsageStats=false"], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail((folder / "server.log").read_text())
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("heading", name="方案设计").wait_for(timeout=90_000)
    page.get_by_text("资金合计（万元）").wait_for(timeout=90_000)
    return context, page


def download(page, button: str) -> str:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button).first.click()
    return Path(info.value.path()).read_text(encoding="utf-8-sig")


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def wait_for_rerun(page) -> None:
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
    page.wait_for_timeout(500)


def test_change_a_weight_share_the_link_save_compare_and_download(server, browser):
    context, page = open_page(browser, server)
    before = download(page, "下载分配表与测算过程（CSV）")
    assert "示例数据" in before and before.count("\n") == 184  # header + 183 counties

    set_number(page, "困难群众人数（%）", "70")
    wait_for_rerun(page)
    set_number(page, "自身努力程度（%）", "25")
    wait_for_rerun(page)
    page.get_by_text("factors.effort.weight").wait_for(state="attached", timeout=60_000)
    after = download(page, "下载分配表与测算过程（CSV）")
    assert after != before  # the table changed
    assert "w_need=70" in page.url and "w_effort=25" in page.url

    # the link opens the same scenario in a fresh browser context (another session)
    other, shared = open_page(browser, page.url)
    assert shared.get_by_label("困难群众人数（%）", exact=True).input_value() == "70.00"
    assert download(shared, "下载分配表与测算过程（CSV）") == after
    other.close()

    # a link naming a preset by its id opens that preset, and keeps the id in the address
    other, linked = open_page(browser, server + "?preset=sichuan-2019")
    linked.get_by_text("273,799").first.wait_for(timeout=60_000)  # sichuan-2019.toml issues 273,799 万元
    assert "preset=sichuan-2019" in linked.url
    other.close()

    # the map is drawn
    page.get_by_role("tab", name="地图").click()
    page.locator(".vega-embed").first.wait_for(timeout=60_000)

    # save, then compare
    page.get_by_role("link", name="方案比较").click()
    page.get_by_role("heading", name="方案比较").wait_for(timeout=60_000)
    page.get_by_label("方案名称").fill("七成方案")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("已保存方案「七成方案」").wait_for(timeout=60_000)
    wait_for_rerun(page)
    page.get_by_text("主要指标对比").wait_for(timeout=60_000)
    metrics = download(page, "下载表格（CSV）")
    assert "七成方案（#1）" in metrics.splitlines()[0]
    assert "每困难群众补助的基尼系数" in metrics
    context.close()


def test_the_documents_download_as_word_and_excel(server, browser):
    import io

    import docx
    import openpyxl

    context, page = open_page(browser, server)
    files = {}
    for button in ("下载附件：分配表（Excel）", "下载附件：分配表（Word）", "下载测算说明（Word）"):
        page.get_by_role("button", name=button).first.wait_for(timeout=60_000)
        wait_for_rerun(page)  # a click during a rerun can land on a button that is being replaced
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name=button).first.click()
        files[info.value.suggested_filename] = Path(info.value.path()).read_bytes()
    names = list(files)
    assert names == ["附件1_2020年中央和省级财政医疗救助补助资金分配表.xlsx", "附件1_2020年中央和省级财政医疗救助补助资金分配表.docx",
                     "2020年中央和省级财政医疗救助补助资金分配测算说明.docx"]
    sheet = openpyxl.load_workbook(io.BytesIO(files[names[0]])).active
    assert 287500 in [c for row in sheet.iter_rows(values_only=True) for c in row]  # 2020: 287,500 万元 in all
    assert "示例数据" in "\n".join(p.text for p in docx.Document(io.BytesIO(files[names[2]])).paragraphs)
    context.close()


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="no pdfinfo (apt-get install poppler-utils)")
def test_the_scenario_summary_prints_on_one_a4_page(tmp_path):
    sys.path.insert(0, str(ROOT))
    from allocator import usecases as u
    from app.ui.common import summary_html

    inputs = u.load_inputs("sichuan-2020")
    view = u.design_view(inputs)
    changes = u.reform_summary(u.resolve_policy("sichuan-2019"), inputs.policy)  # a long list of changes
    page = tmp_path / "summary.html"
    page.write_text(summary_html("2020年方案摘要", view.note, u.headline_rows(view.headline), changes, view.regions,
                                 view.result.fingerprint), encoding="utf-8")
    pdf = tmp_path / "summary.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "Pages:           1" in info
