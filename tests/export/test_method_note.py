"""测算说明: totals by source and purpose, factors with weights and sources, bound regions, rounding,
the advance, the fingerprint — in .docx and .txt."""
from docx import Document
from docx.oxml.ns import qn

from allocator.export.method_note import cited, method_note, note_title, percent
from allocator.policy import load_policy
from allocator.policy.model import Binding


def test_percentages_and_sources_read_as_in_a_notice():
    assert percent(0.75) == "75%" and percent(0.125) == "12.5%"
    assert cited("scenario：约为2019年的105%") == "情景假设（约为2019年的105%）"
    assert cited("scenario") == "情景假设" and cited("川财社〔2020〕66号") == "川财社〔2020〕66号"
    assert note_title(load_policy("sichuan-2020")) == "2020年中央和省级财政医疗救助补助资金分配测算说明"


def test_the_note_gives_exact_totals_by_source_and_purpose(sichuan):
    inputs, settlement = sichuan
    text = method_note(settlement.full_year, "内置数据集", settlement, inputs.note).text()
    assert "共315,500万元" in text
    assert "中央一般公共预算252,000万元（常规分配224,000万元、提高深度贫困地区农村贫困人口医疗保障水平28,000万元）" in text
    assert "省级彩票公益金10,200万元" in text
    assert "包含在上述总额之内" in text


def test_the_note_names_factors_weights_correction_and_data(sichuan):
    inputs, settlement = sichuan
    text = method_note(settlement.full_year, "内置数据集 sichuan-2020", settlement, inputs.note).text()
    for phrase in ("困难群众人数（权重75%）", "户籍人口数（权重5%）", "自身努力程度（权重20%）", "防止返贫监测对象",
                   "财政困难程度", "限定在0.8至1.5之间", "内置数据集 sichuan-2020", "示例数据", "最大余额法"):
        assert phrase in text, phrase
    assert "scenario" not in text


def test_the_note_counts_the_regions_floors_and_caps_bound(sichuan):
    inputs, settlement = sichuan
    result = settlement.full_year
    n_cap = int((result.trace["binding"] == Binding.CAP).sum())
    n_floor = int((result.trace["binding"] == Binding.FLOOR).sum())
    text = method_note(result, "x", settlement).text()
    assert f"保底约束生效{n_floor}个地区，封顶约束生效{n_cap}个地区" in text
    assert "不低于上年分配额的90%" in text and "不高于上年分配额的120%" in text


def test_the_note_states_the_advance_and_the_fingerprint(sichuan):
    inputs, settlement = sichuan
    result = settlement.full_year
    text = method_note(result, "x", settlement).text()
    assert "已提前下达259,100万元" in text and result.fingerprint in text
    n = int(settlement.advance_exceeds.sum())
    assert f"提前下达数超过因素法全年数的地区{n}个" in text


def test_the_note_files_are_the_same_text(exported):
    txt = exported[".txt_note"].read_text(encoding="utf-8")
    doc = Document(exported[".docx_note"])
    paragraphs = [p.text for p in doc.paragraphs if p.text]
    assert txt.splitlines()[0] == paragraphs[0] == "2020年中央和省级财政医疗救助补助资金分配测算说明"
    assert [line.strip("　") for line in txt.splitlines() if line] == paragraphs
    body = doc.paragraphs[2]
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) in ("仿宋", "黑体")
    assert round(doc.sections[0].top_margin.mm) == 37
