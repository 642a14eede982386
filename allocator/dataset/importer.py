"""Import official figures from .xlsx/.csv: find the header, map the columns, check everything at once.

Files come as people make them: a title row above the header, a 合计 row at the bottom, Chinese or
English headers, full-width parentheses, GB18030 encoding, codes typed as numbers, retired codes. The
importer accepts all of that and refuses, in one list, everything a planner must fix — each problem
naming the file row, the column and the value.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from allocator.columns import BY_ID, FIGURES, IDENTITY, column_label, not_a_number, range_problems
from allocator.dataset.template import BASE_PREFIX, pool_base_column
from allocator.errors import DataError, Problem, raise_if

TOTAL_MARKERS = ("合计", "总计", "小计", "全省", "全省合计", "total")
HEADER_SEARCH_ROWS = 15
# Head-counts that cannot exceed the population a region has.
COUNTS_WITHIN_POPULATION = ("dibao_urban", "dibao_rural", "tekun", "poverty_population", "monitored",
                            "illness_poverty")


@dataclass(frozen=True)
class ImportResult:
    frame: pd.DataFrame  # column ids: code, name, figures…, base_*; sorted by code; numbers as float
    notes: list[str] = field(default_factory=list)  # what was mapped or ignored, for the user to see
    header_row: int = 1  # 1-based row of the header in the file


def normalise(text) -> str:
    """Header text compared loosely: no whitespace (also line breaks, full-width spaces), ASCII
    parentheses, lower case."""
    s = re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")")
    return s.lower()


def header_lookup(pools=None, extra: list[str] | None = None) -> dict[str, str]:
    """Every accepted spelling of every column → its id: id, label, label(unit), aliases; pools' bases;
    and the `extra` ids as they are (columns a policy needs that the catalogue does not know)."""
    lookup: dict[str, str] = {normalise(c): c for c in extra or ()}
    for col in IDENTITY + FIGURES + tuple(c for c in BY_ID.values() if c not in IDENTITY + FIGURES):
        for spelling in (col.id, col.label, col.header, *col.aliases):
            lookup[normalise(spelling)] = col.id
            if col.unit:
                lookup[normalise(f"{spelling}({col.unit})")] = col.id
    for pool in pools or ():
        base = pool_base_column(pool)
        for spelling in (base, f"{BASE_PREFIX}{pool.label}", f"{BASE_PREFIX}{pool.label}(万元)",
                         f"上年{pool.label}", f"上年{pool.label}(万元)"):
            lookup[normalise(spelling)] = base
    return lookup


def column_id(header, lookup: dict[str, str]) -> str | None:
    """The id a header maps to, or None. `base_<pool>` ids are accepted as they are."""
    key = normalise(header)
    if key in lookup:
        return lookup[key]
    if re.fullmatch(r"base_[a-z0-9_]+", key):
        return key
    without_unit = re.sub(r"\([^)]*\)$", "", key)  # 户籍人口(万人) → 户籍人口: the unit is checked below
    return lookup.get(without_unit)


def read_raw(path: str | Path) -> pd.DataFrame:
    """The file as a grid of cells, no header assumed (.xlsx/.xlsm, or .csv in UTF-8/GB18030).

    Nothing is turned into a blank that was not blank: Excel error values (#N/A, #DIV/0!), text such as
    N/A or NULL, and formulas saved without a computed value stay as they are, so the checks refuse them.
    """
    path = Path(path)
    try:
        found = path.is_file()
    except OSError:  # e.g. a name too long for the file system
        found = False
    if not found:
        raise DataError([Problem(f"找不到数据文件：{str(path)[:200]}")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DataError([Problem(f"数据文件 {path.name} 超过 {MAX_FILE_BYTES // 2**20} MB，不像是地区数据表")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _within_limits(read_xlsx(path), path)
    if suffix != ".csv":
        raise DataError([Problem(f"不支持的文件格式「{suffix}」：请用 .xlsx 或 .csv")])
    rows = list(csv.reader(io.StringIO(decode_text(path.read_bytes(), path.name))))
    width = max((len(r) for r in rows), default=0)
    return _within_limits(pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object), path)


MAX_FILE_BYTES = 50 * 2**20
MAX_ROWS = 100_000  # regions; China has about 2,850 county-level units
MAX_CELL_CHARS = 1_000


def read_xlsx(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """The first sheet's cells; a formula whose value was never computed (a file written by a script)
    is kept as its formula text, so it is refused rather than read as blank. Reading stops after
    `max_rows` + 1 rows (default: a region table's limit), so the caller can refuse a longer sheet."""
    max_rows = MAX_ROWS + HEADER_SEARCH_ROWS if max_rows is None else max_rows
    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, InvalidFileException, ValueError, EOFError):
        raise DataError([Problem(f"无法打开 {path.name}：不是有效的 .xlsx 工作簿（文件可能已损坏或不完整）")]) from None
    try:
        rows = []
        for cached, written in zip(values.worksheets[0].iter_rows(values_only=True),
                                   formulas.worksheets[0].iter_rows(values_only=True)):
            rows.append([w if c is None and isinstance(w, str) and w.startswith("=") else c
                         for c, w in zip(cached, written)])
            if len(rows) > max_rows:
                break
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, EOFError):
        raise DataError([Problem(f"无法读取 {path.name}：工作簿内容已损坏")]) from None
    finally:
        values.close()
        formulas.close()
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or GB18030 — one of them for the whole file. A file that mixes them
    (some rows pasted from another system) is refused with the first line of each kind."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    utf8_line = bad_line = None
    for number, line in enumerate(data.splitlines(), 1):
        try:
            text = line.decode("utf-8")
            if utf8_line is None and not text.isascii():
                utf8_line = number
        except UnicodeDecodeError:
            bad_line = bad_line or number
        if utf8_line and bad_line:
            raise DataError([Problem(f"文件 {name} 混用了两种编码：第 {utf8_line} 行是 UTF-8，第 {bad_line} 行不是"
                                     "（可能是 GB18030）。请统一另存为 UTF-8 后再导入", key="encoding", row=bad_line)])
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DataError([Problem(f"无法识别 {name} 的编码（支持 UTF-8 与 GB18030）", key="encoding")]) from None


def _within_limits(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    if len(raw) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise DataError([Problem(f"数据文件 {path.name} 超过 {MAX_ROWS:,} 行：地区数据表不应有这么多行")])
    for j in range(raw.shape[1]):
        long = raw.iloc[:, j].map(lambda v: isinstance(v, str) and len(v) > MAX_CELL_CHARS)
        if long.any():
            i = int(np.flatnonzero(long.to_numpy())[0])
            raise DataError([Problem(f"数据文件 {path.name} 第 {i + 1} 行第 {j + 1} 列的内容超过 {MAX_CELL_CHARS} 个字符",
                                     row=i + 1)])
    return raw


def find_header(raw: pd.DataFrame, lookup: dict[str, str]) -> int:
    """0-based index of the header row: the first row with a cell that names the code column."""
    for r in range(min(HEADER_SEARCH_ROWS, len(raw))):
        if any(column_id(v, lookup) == "code" for v in raw.iloc[r] if _filled(v)):
            return r
    raise DataError([Problem(f"前 {HEADER_SEARCH_ROWS} 行中找不到表头：需要一列名为「地区代码」（或 code、区划代码）",
                             key="code")])


def code_text(value) -> str:
    """A code as text: 510104, 510104.0 and ' 510104 ' all give '510104'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value).strip()
    return s[:-2] if re.fullmatch(r"\d+\.0", s) else s


def import_table(source, regions: pd.DataFrame, crosswalk: pd.DataFrame | None = None,
                 required: list[str] | None = None, pools=None) -> ImportResult:
    """Read and check a region table against the expected regions; raise DataError listing every problem.

    `source`: a path (.xlsx/.xlsm/.csv), a grid of cells as read without a header (the header row is
    searched for), or a table whose column names are the headers. `regions`: the expected regions
    (code, name). `crosswalk`: retired codes (old_code, old_name → code). `required`: column ids that
    must be present (e.g. a policy's data columns); region flags among them are taken from `regions`
    when the file lacks them. `pools`: a policy's pools, so that their 上年分配 headers are recognised.
    """
    lookup = header_lookup(pools, required)
    raw, header_at = _grid_and_header(source, lookup)
    notes: list[str] = []
    problems: list[Problem] = []
    headers = raw.iloc[header_at].tolist()
    mapping: dict[int, str] = {}
    for j, header in enumerate(headers):
        if not _filled(header):
            if raw.iloc[header_at + 1:, j].map(_filled).any():
                notes.append(f"第 {j + 1} 列没有表头，已忽略")
            continue
        cid = column_id(header, lookup)
        if cid is None and normalise(header).startswith(normalise(BASE_PREFIX)):
            problems.append(Problem(f"列「{header}」是上年分配数：请用 --policy 指定政策文件，以便识别它属于哪个资金池",
                                    key=str(header), value=str(header)))
        elif cid is None:
            notes.append(f"未识别的列「{header}」已忽略")
        elif cid in mapping.values():
            problems.append(Problem(f"列「{header}」与另一列都对应「{_label(cid)}」，请删去重复的列", key=cid))
        else:
            mapping[j] = cid
            _unit_problem(header, cid, problems)
    body = raw.iloc[header_at + 1:, list(mapping)].copy()
    body.columns = [mapping[j] for j in mapping]
    body = _drop_blank_and_total_rows(body, raw, notes)
    body.index = body.index + 1  # 1-based file rows
    for col in list(body.columns.drop(["code", "name"], errors="ignore")):
        if not body[col].map(_filled).any():  # an empty column is no data, not a column of zeros
            if col in (required or ()):
                problems.append(Problem(f"必需的列「{_label(col)}」整列为空", key=col))
            else:
                notes.append(f"列「{_label(col)}」整列为空，未导入")
            body = body.drop(columns=col)
    from_regions = [c for c in required or () if c not in body.columns and c in regions.columns
                    and c in BY_ID and BY_ID[c].kind in ("flag", "class")]
    for col in required or ():
        if col not in body.columns and col not in from_regions and not any(p.key == col for p in problems):
            problems.append(Problem(f"缺少必需的列「{_label(col)}」", key=col))
    if "code" not in body.columns:
        raise_if(problems or [Problem("缺少「地区代码」列", key="code")], DataError)
    frame = _typed(body, problems)
    frame, code_notes = _map_codes(frame, regions, crosswalk, problems)
    notes += code_notes
    for col in from_regions:
        frame[col] = frame["code"].map(dict(zip(regions["code"].astype(str), regions[col]))).astype(float)
        notes.append(f"「{_label(col)}」取自地区名单（公开认定）")
    problems += plausibility_problems(frame)
    problems.sort(key=_file_order)
    raise_if(problems, DataError)
    frame = frame.drop(columns="_row").sort_values("code").reset_index(drop=True)
    return ImportResult(frame, notes, header_at + 1)


def _file_order(problem: Problem) -> tuple[int, int]:
    """Column problems first, then rows in file order, then regions missing from the file."""
    if problem.row is not None:
        return 1, problem.row
    return (2, 0) if problem.region else (0, 0)


def read_region_table(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """A region table as the engine reads it (`--data`): the header found below any title rows, known
    headers (Chinese, with units, or English) mapped to column ids and others kept as written, blank
    and 合计 rows dropped (and reported in the notes), codes as text. Values are checked later, by
    `check_values` and RegionData.from_frame — the same checks an import applies."""
    lookup = header_lookup()
    raw, header_at = _grid_and_header(path, lookup)
    headers = [column_id(h, lookup) or str(h).strip() if _filled(h) else None
               for h in raw.iloc[header_at].tolist()]
    keep = [j for j, h in enumerate(headers) if h is not None]
    seen: dict[str, int] = {}
    problems = []
    for j in keep:
        if headers[j] in seen:
            problems.append(Problem(f"第 {seen[str(headers[j])] + 1} 列与第 {j + 1} 列都对应「{_label(str(headers[j]))}」，"
                                    "请删去重复的列", key=str(headers[j])))
        seen.setdefault(str(headers[j]), j)
    if "code" not in seen:
        problems.append(Problem("缺少「地区代码」列", key="code"))
    raise_if(problems, DataError)
    notes: list[str] = []
    body = raw.iloc[header_at + 1:, keep].copy()
    body.columns = [headers[j] for j in keep]
    body = _drop_blank_and_total_rows(body, raw, notes)
    body["code"] = [code_text(v) for v in body["code"]]
    if "name" in body:
        body["name"] = [str(v).strip() if _filled(v) else "" for v in body["name"]]
    for col in body.columns.drop(["code", "name"], errors="ignore"):
        numbers = pd.to_numeric(body[col].map(lambda v: str(v).replace(",", "") if _filled(v) else None),
                                errors="coerce")
        if numbers.notna().sum() == body[col].map(_filled).sum():  # every filled cell is a number
            body[col] = numbers
    return body.reset_index(drop=True), notes


def check_values(frame: pd.DataFrame) -> list[Problem]:
    """The checks an import applies to figures, for a table that entered another way (`--data`, a table
    in memory): whole persons, counts within the population, scores and percentages within 0–100."""
    problems = []
    for col in frame.columns:
        if col in BY_ID and BY_ID[col].kind == "count":
            values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            for i in np.flatnonzero(np.isfinite(values) & (values != np.round(values))):
                problems.append(Problem(f"地区 {frame['code'].iloc[i]} {frame['name'].iloc[i] if 'name' in frame else ''}"
                                        f"「{_label(col)}」= {_shown(values[i])}：人数应为整数", key=col,
                                        region=str(frame["code"].iloc[i]), value=values[i]))
    numeric = frame.copy()
    for col in numeric.columns.drop(["code", "name"], errors="ignore"):
        numeric[col] = pd.to_numeric(numeric[col], errors="coerce").fillna(0.0)
    if "name" not in numeric:
        numeric["name"] = ""
    return problems + plausibility_problems(numeric)


def _grid_and_header(source, lookup: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """The grid of cells and the 0-based row of its header. A DataFrame is taken as a grid when the
    header is among its rows, else as a table whose column names are the header."""
    raw = source if isinstance(source, pd.DataFrame) else read_raw(source)
    try:
        return raw, find_header(raw, lookup)
    except DataError:
        if not (isinstance(source, pd.DataFrame) and any(column_id(c, lookup) == "code" for c in source.columns)):
            raise
    grid = pd.DataFrame([list(source.columns), *source.to_numpy(dtype=object).tolist()])
    return grid, 0


def _filled(v) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip() != ""


def _label(cid: str) -> str:

    return column_label(cid)


def _unit_problem(header, cid: str, problems: list[Problem]) -> None:
    """A header that names a unit other than the column's (户籍人口(万人)) is refused: no silent scaling."""
    match = re.search(r"\(([^)]*)\)$", normalise(header))
    col = BY_ID.get(cid)
    if match and col and col.unit and match.group(1) != normalise(col.unit):
        problems.append(Problem(f"列「{header}」的单位是「{match.group(1)}」，应为「{col.unit}」，请换算后再导入",
                                key=cid, value=str(header)))


def _drop_blank_and_total_rows(body: pd.DataFrame, raw: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Blank rows go silently. A total row goes only when it looks like one by position and shape: the
    first or last rows of the table, no region code, a 合计-like word in any of its cells (a 序号 column
    merged across the first columns included), and every figure equal to the sum (or mean) of its column
    over the region rows. Each total row dropped is reported in `notes`; a region named 合计 keeps its code
    and its money."""
    body = body[body.map(_filled).any(axis=1)]
    dropped: list[int] = []
    for end in ("last", "first"):
        while len(body) > 1:
            at = body.index[-1] if end == "last" else body.index[0]
            if not _is_total_row(body.loc[at], raw.loc[at], body.drop(index=at)):
                break
            dropped.append(at)
            body = body.drop(index=at)
    for at in sorted(dropped):
        notes.append(f"第 {int(at) + 1} 行为合计行（各数等于各地区之和），已忽略")
    return body


def _is_total_row(row: pd.Series, raw_row: pd.Series, regions: pd.DataFrame) -> bool:
    code = code_text(row.get("code"))
    if code and normalise(code) not in TOTAL_MARKERS:
        return False
    if not any(_is_marker(v) for v in raw_row):
        return False
    figures = [c for c in row.index if c not in ("code", "name") and _filled(row[c]) and not _is_marker(row[c])]
    if not figures:
        return False
    for col in figures:
        total = _as_number(row[col])
        column = regions[col].map(_as_number).dropna()
        if total is None:
            return False
        if column.empty:  # an empty column sums to 0
            if total != 0:
                return False
            continue
        if not any(abs(total - agg) <= max(0.5, 1e-6 * abs(agg)) for agg in (column.sum(), column.mean())):
            return False
    return True


def _is_marker(v) -> bool:
    return _filled(v) and normalise(v).strip("：:") in TOTAL_MARKERS


def _as_number(v) -> float | None:
    if not _filled(v):
        return None
    try:
        x = float(str(v).strip().replace(",", "").replace("，", "").rstrip("%"))
    except ValueError:
        return None
    return x if np.isfinite(x) else None



def _typed(body: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Codes and names as text, figures as float; non-numbers, negatives and fractions of a person refused."""
    codes = [code_text(v) for v in body["code"]]
    names = [str(v).strip() if _filled(v) else "" for v in body["name"]] if "name" in body else [""] * len(body)
    frame = pd.DataFrame({"code": codes, "name": names})
    rows = body.index.to_list()
    for col in body.columns:
        if col in ("code", "name"):
            continue
        values = []
        for row, code, name, v in zip(rows, codes, names, body[col]):
            values.append(_number(v, col, row, code, name, problems))
        frame[col] = values
    frame["_row"] = rows
    return frame


def _number(v, col: str, row: int, code: str, name: str, problems: list[Problem]) -> float:
    where = f"第 {row} 行（{code} {name}）「{_label(col)}」"
    if not _filled(v):
        return 0.0
    text = str(v).strip().replace(",", "").replace("，", "")
    if text.endswith("%") and BY_ID.get(col) is not None and BY_ID[col].kind == "percent":
        text = text[:-1]
    try:
        x = float(text)
    except ValueError:
        problems.append(Problem(f"{where}= {v!r}：{not_a_number(text)}", key=col, region=code, value=v, row=row))
        return float("nan")
    if not np.isfinite(x):  # "inf", "nan" typed into a cell
        problems.append(Problem(f"{where}= {v!r}：不是有限的数", key=col, region=code, value=v, row=row))
        return float("nan")
    if x < 0:
        problems.append(Problem(f"{where}= {_shown(x)}：不能为负数", key=col, region=code, value=x, row=row))
    elif BY_ID.get(col) is not None and BY_ID[col].kind == "count" and x != round(x):
        problems.append(Problem(f"{where}= {_shown(x)}：人数应为整数", key=col, region=code, value=x, row=row))
    return x


def population_column(frame: pd.DataFrame) -> str | None:
    """The population that bounds head-counts: 户籍人口, or 常住人口 when 户籍人口 is absent (or all blank)."""
    for col in ("hukou_population", "resident_population"):
        if col in frame and (frame[col].to_numpy(dtype=float) > 0).any():
            return col
    return None


def _population_problems(frame: pd.DataFrame, add) -> None:
    """Each head-count, and 城市低保 + 农村低保 + 特困 together, at most the population. Rows whose
    population is already refused (negative, not a number) are not compared; a blank or zero population
    with people counted in it is one problem."""
    population = population_column(frame)
    counts = [c for c in COUNTS_WITHIN_POPULATION if c in frame]
    if population is None or not counts:
        return
    pop = frame[population].to_numpy(dtype=float)
    values = frame[counts].to_numpy(dtype=float)
    label = _label(population)
    for i in np.flatnonzero((pop == 0) & (values > 0).any(axis=1)):
        add(i, population, f"「{label}」为空或为 0，但填有「{_label(counts[int(np.argmax(values[i] > 0))])}」等人数", 0)
    valid = pop > 0
    for j, col in enumerate(counts):
        for i in np.flatnonzero(valid & (values[:, j] > pop)):
            add(i, col, f"「{_label(col)}」= {values[i, j]:,.0f} 超过「{label}」{pop[i]:,.0f}", values[i, j])
    need_cols = [c for c in ("dibao_urban", "dibao_rural", "tekun") if c in frame]
    if len(need_cols) > 1:
        parts = frame[need_cols].to_numpy(dtype=float)
        need = parts.sum(axis=1)
        for i in np.flatnonzero(valid & (need > pop) & (parts <= pop[:, None]).all(axis=1)):
            add(i, "+".join(need_cols), f"低保与特困人数合计 {need[i]:,.0f} 超过「{label}」{pop[i]:,.0f}", need[i])


def _shown(x: float) -> str:
    """A number as typed: 123456.5 stays 123456.5 (not 123456), 130.0 reads 130."""
    return f"{x:.15g}"


def _map_codes(frame: pd.DataFrame, regions: pd.DataFrame, crosswalk,
               problems: list[Problem]) -> tuple[pd.DataFrame, list[str]]:
    """Retired codes → current codes; then duplicates, unknown codes, wrong names and missing regions."""
    notes = []
    expected = dict(zip(regions["code"].astype(str), regions["name"].astype(str)))
    old = {}
    if crosswalk is not None:
        old = {r.old_code: (r.code, r.old_name) for r in crosswalk.itertuples(index=False)}
    mapped_codes = []
    for code, name, row in zip(frame["code"], frame["name"], frame["_row"]):
        if code not in expected and code in old and old[code][0] in expected:
            new, old_name = old[code]
            notes.append(f"第 {row} 行：旧代码 {code} {old_name} 已映射为 {new} {expected[new]}（区划调整）")
            mapped_codes.append(new)
            if name and name not in (old_name, expected.get(new)):
                problems.append(Problem(f"第 {row} 行：代码 {code}（现 {new}）对应「{expected.get(new)}」，名称却是「{name}」",
                                        key="name", region=new, value=name, row=row))
        else:
            mapped_codes.append(code)
            if code in expected and name and name != expected[code]:
                problems.append(Problem(f"第 {row} 行：代码 {code} 对应「{expected[code]}」，名称却是「{name}」",
                                        key="name", region=code, value=name, row=row))
    written = dict(zip(frame["_row"], frame["code"]))  # the code as the file has it, before mapping
    frame = frame.assign(code=mapped_codes)
    first_row: dict[str, int] = {}
    for code, row in zip(frame["code"], frame["_row"]):
        if code == "":
            problems.append(Problem(f"第 {row} 行：地区代码为空", key="code", row=row))
        elif code in first_row:
            olds = [f"第 {r} 行为旧代码 {written[r]}" for r in (first_row[code], row) if written[r] != code]
            why = f"；{'，'.join(olds)}" if olds else ""
            problems.append(Problem(f"地区代码 {code} {expected.get(code, '')} 重复（第 {first_row[code]} 行与第 {row} 行"
                                    f"{why}）", key="code", region=code, value=written[row], row=row))
        elif code not in expected:
            why = f"区划调整后为 {old[code][0]}，也不在本数据集中" if code in old else "也不在区划调整对照表中"
            problems.append(Problem(f"第 {row} 行：地区代码 {code} 不是本数据集的地区（{why}）",
                                    key="code", region=code, value=code, row=row))
            first_row[code] = row
        else:
            first_row[code] = row
    for code, name in expected.items():
        if code not in first_row:
            problems.append(Problem(f"缺少地区 {code} {name} 的数据行", key="code", region=code))
    frame = frame.drop_duplicates("code", keep="first")
    frame["name"] = [expected.get(c, n) or n for c, n in zip(frame["code"], frame["name"])]
    return frame, notes


def plausibility_problems(frame: pd.DataFrame) -> list[Problem]:
    """Counts within population, percentages and scores within 0–100, revenue without expenditure."""
    problems = []
    rows = frame["_row"] if "_row" in frame else pd.Series([None] * len(frame), index=frame.index)

    def add(i, col, message, value):
        code, name, row = frame["code"].iloc[i], frame["name"].iloc[i], rows.iloc[i]
        where = f"第 {row} 行（{code} {name}）" if row is not None else f"地区 {code} {name}"
        problems.append(Problem(f"{where}{message}", key=col, region=code, value=value,
                                row=None if row is None else int(row)))

    _population_problems(frame, add)
    figures = {c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
               for c in frame.columns if c not in ("code", "name", "_row")}
    problems += range_problems(frame["code"].to_numpy(), frame["name"].to_numpy(), figures,
                               None if "_row" not in frame else frame["_row"].to_numpy())
    if "revenue" in frame and "expenditure" in frame:
        bad = (frame["revenue"].to_numpy(dtype=float) > 0) & (frame["expenditure"].to_numpy(dtype=float) == 0)
        for i in np.flatnonzero(bad):
            add(i, "expenditure", f"有「{_label('revenue')}」却没有「{_label('expenditure')}」（支出为 0）", 0)
    return problems
