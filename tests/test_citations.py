"""Comments, docstrings and the sources in shipped data cite documents by title, issuer and date — never a file
outside the repository (the project's working notes "seeds/00N" or "DOMAIN" mean nothing to a reader of the
package). The documents behind the old shorthand:

  seeds/000  四川省医疗保障局《2019年度部门决算》附件2《四川省医疗救助补助专项资金绩效自评报告》(2020)
  seeds/001  盐边县医疗保障局、盐边县财政局《关于开展2021年医疗救助补助资金绩效评价的报告》(2022-02-21)
  seeds/002  宣汉县医疗保障局《2020年度部门决算》
  seeds/003  泸县医疗保障局《2023年度部门决算》附表《部门预算项目支出绩效自评表（2023年度）》
  seeds/004  广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"seeds/\d|\bseeds/|\bDOMAIN\b")


def comments_and_docstrings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring of a Python file."""
    source = path.read_text(encoding="utf-8")
    found = [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                found.append((node.body[0].lineno, doc))
    return found


def outside_citations(paths) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line}" for p in paths for line, text in comments_and_docstrings(p)
            if OUTSIDE.search(text)]


def test_the_finder_sees_comments_and_docstrings_but_not_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""See seeds/004."""\nx = "seeds/004"  # DOMAIN\n\n\ndef f():\n    """Fine."""\n',
                      encoding="utf-8")
    assert [line for line, text in comments_and_docstrings(sample) if OUTSIDE.search(text)] == [2, 1]


def test_comments_and_docstrings_cite_documents_not_files_outside_the_repository():
    paths = sorted([*(ROOT / "allocator").rglob("*.py"), *(ROOT / "app").rglob("*.py")])
    assert outside_citations(paths) == []


def test_the_shipped_data_cite_documents_not_files_outside_the_repository():
    """Policy presets print their sources (`allocator validate`, the 测算说明): they name the document."""
    data = ROOT / "allocator" / "data"
    paths = sorted([*data.rglob("*.toml"), *data.rglob("*.md")])
    assert [f"{p.relative_to(ROOT)}:{k}" for p in paths
            for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if OUTSIDE.search(line)] == []
