"""Import official figures from .xlsx/.csv: find the header, map the columns, check everything at once.

Files come as people make them: a title row above the header, a 合计 row at the bottom, Chinese or
English headers, full-width parentheses, GB18030 encoding, codes typed as numbers, retired codes. The
importer accepts all of that and refuses, in one list, everything a planner must fix — each problem
naming the file row, the column and the value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.dataset.columns import BY_ID, FIGURES, IDENTITY
from allocator.dataset.template import BASE_PREFIX
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
    """Header text compared loosely: no spaces, ASCII parentheses, lower case."""
    s = str(text).strip().replace("（", "(").replace("）", ")").replace("\u3000", "").replace(" ", "")
    return s.lower()


def header_lookup(pools=None) -> dict[str, str]:
    """Every accepted spelling of every column → its id: id, label, label(unit), aliases; pools' bases."""
    lookup: dict[str, str] = {}
    for col in IDENTITY + FIGURES + tuple(c for c in BY_ID.values() if c not in IDENTITY + FIGURES):
        for spelling in (col.id, col.label, col.header, *col.aliases):
            lookup[normalise(spelling)] = col.id
            if col.unit:
                lookup[normalise(f"{spelling}({col.unit})")] = col.id
    for pool in pools or ():
        if getattr(pool, "base_column", None):
            for spelling in (pool.base_column, f"{BASE_PREFIX}{pool.label}", f"{BASE_PREFIX}{pool.label}(万元)",
                             f"上年{pool.label}", f"上年{pool.label}(万元)"):
                lookup[normalise(spelling)] = pool.base_column
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
    """The file as a grid of text cells, no header assumed (.xlsx/.xlsm, or .csv in UTF-8/GB18030)."""
    path = Path(path)
    if not path.exists():
        raise DataError([Problem(f"找不到数据文件：{path}")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, header=None, dtype=object)
    if suffix != ".csv":
        raise DataError([Problem(f"不支持的文件格式「{suffix}」：请用 .xlsx 或 .csv")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, header=None, dtype=str, encoding=encoding, keep_default_na=False)
        except UnicodeDecodeError:
            continue
    raise DataError([Problem(f"无法识别 {path.name} 的编码（支持 UTF-8 与 GB18030）")])


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

    `source`: a path or an already-read grid (DataFrame without header). `regions`: the expected
    regions (code, name). `crosswalk`: old_code → code for retired codes. `required`: column ids that
    must be present (e.g. a policy's data columns).
    """
    lookup = header_lookup(pools)
    raw = source if isinstance(source, pd.DataFrame) else read_raw(source)
    header_at = find_header(raw, lookup)
    notes: list[str] = []
    problems: list[Problem] = []
    headers = raw.iloc[header_at].tolist()
    mapping: dict[int, str] = {}
    for j, header in enumerate(headers):
        if not _filled(header):
            continue
        cid = column_id(header, lookup)
        if cid is None:
            notes.append(f"未识别的列「{header}」已忽略")
        elif cid in mapping.values():
            problems.append(Problem(f"列「{header}」与另一列都对应「{_label(cid)}」，请删去重复的列", key=cid))
        else:
            mapping[j] = cid
            _unit_problem(header, cid, problems)
    body = raw.iloc[header_at + 1:, list(mapping)].copy()
    body.columns = [mapping[j] for j in mapping]
    body.index = np.arange(header_at + 2, header_at + 2 + len(body))  # 1-based file rows
    body = _drop_blank_and_total_rows(body)
    for col in required or ():
        if col not in body.columns:
            problems.append(Problem(f"缺少必需的列「{_label(col)}」", key=col))
    if "code" not in body.columns:
        raise_if(problems or [Problem("缺少「地区代码」列", key="code")], DataError)
    frame = _typed(body, problems)
    frame, code_notes = _map_codes(frame, regions, crosswalk, problems)
    notes += code_notes
    problems += plausibility_problems(frame)
    problems.sort(key=lambda p: p.row if p.row is not None else float("inf"))  # in file order
    raise_if(problems, DataError)
    frame = frame.drop(columns="_row").sort_values("code").reset_index(drop=True)
    return ImportResult(frame, notes, header_at + 1)


def _filled(v) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip() != ""


def _label(cid: str) -> str:
    from allocator.dataset.columns import column_label

    return column_label(cid)


def _unit_problem(header, cid: str, problems: list[Problem]) -> None:
    """A header that names a unit other than the column's (户籍人口(万人)) is refused: no silent scaling."""
    match = re.search(r"\(([^)]*)\)$", normalise(header))
    col = BY_ID.get(cid)
    if match and col and col.unit and match.group(1) != normalise(col.unit):
        problems.append(Problem(f"列「{header}」的单位是「{match.group(1)}」，应为「{col.unit}」，请换算后再导入",
                                key=cid, value=str(header)))


def _drop_blank_and_total_rows(body: pd.DataFrame) -> pd.DataFrame:
    text = body.astype(str).apply(lambda s: s.str.strip())
    blank = ~body.map(_filled).any(axis=1)
    code = text["code"] if "code" in text else pd.Series("", index=body.index)
    name = text["name"] if "name" in text else pd.Series("", index=body.index)
    marker = code.str.lower().isin(TOTAL_MARKERS) | name.str.replace(" ", "").isin(TOTAL_MARKERS) | (
        (code.isin(["", "nan", "None"])) & name.str.contains("合计|总计", regex=True))
    return body[~blank & ~marker]


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
        problems.append(Problem(f"{where}= {v!r}：不是数字", key=col, region=code, value=v, row=row))
        return float("nan")
    if not np.isfinite(x) or x < 0:
        problems.append(Problem(f"{where}= {x:g}：不能为负数", key=col, region=code, value=x, row=row))
    elif BY_ID.get(col) is not None and BY_ID[col].kind == "count" and x != round(x):
        problems.append(Problem(f"{where}= {x:g}：人数应为整数", key=col, region=code, value=x, row=row))
    return x


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
        if code not in expected and code in old:
            new, old_name = old[code]
            notes.append(f"第 {row} 行：旧代码 {code} {old_name} 已按区划调整映射为 {new} {expected.get(new, '')}")
            mapped_codes.append(new)
            if name and name not in (old_name, expected.get(new)):
                problems.append(Problem(f"第 {row} 行：代码 {code}（现 {new}）对应「{expected.get(new)}」，名称却是「{name}」",
                                        key="name", region=new, value=name, row=row))
        else:
            mapped_codes.append(code)
            if code in expected and name and name != expected[code]:
                problems.append(Problem(f"第 {row} 行：代码 {code} 对应「{expected[code]}」，名称却是「{name}」",
                                        key="name", region=code, value=name, row=row))
    frame = frame.assign(code=mapped_codes)
    first_row: dict[str, int] = {}
    for code, row in zip(frame["code"], frame["_row"]):
        if code == "":
            problems.append(Problem(f"第 {row} 行：地区代码为空", key="code", row=row))
        elif code in first_row:
            problems.append(Problem(f"地区代码 {code} {expected.get(code, '')} 重复（第 {first_row[code]} 行与第 {row} 行）",
                                    key="code", region=code, row=row))
        elif code not in expected:
            problems.append(Problem(f"第 {row} 行：地区代码 {code} 不是本数据集的地区（也不在区划调整对照表中）",
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
    population = "hukou_population" if "hukou_population" in frame else (
        "resident_population" if "resident_population" in frame else None)
    rows = frame["_row"] if "_row" in frame else pd.Series([None] * len(frame), index=frame.index)

    def add(i, col, message, value):
        code, name, row = frame["code"].iloc[i], frame["name"].iloc[i], rows.iloc[i]
        where = f"第 {row} 行（{code} {name}）" if row is not None else f"地区 {code} {name}"
        problems.append(Problem(f"{where}{message}", key=col, region=code, value=value,
                                row=None if row is None else int(row)))

    if population:
        pop = frame[population].to_numpy(dtype=float)
        for col in COUNTS_WITHIN_POPULATION:
            if col in frame:
                for i in np.flatnonzero(frame[col].to_numpy(dtype=float) > pop):
                    add(i, col, f"「{_label(col)}」= {frame[col].iloc[i]:,.0f} 超过「{_label(population)}」"
                                f" {pop[i]:,.0f}", frame[col].iloc[i])
        need_cols = [c for c in ("dibao_urban", "dibao_rural", "tekun") if c in frame]
        if len(need_cols) > 1:
            need = frame[need_cols].sum(axis=1).to_numpy(dtype=float)
            for i in np.flatnonzero((need > pop) & (frame[need_cols].to_numpy(dtype=float) <= pop[:, None]).all(axis=1)):
                add(i, "+".join(need_cols), f"低保与特困人数合计 {need[i]:,.0f} 超过「{_label(population)}」{pop[i]:,.0f}",
                    need[i])
    for col in frame.columns:
        kind = BY_ID[col].kind if col in BY_ID else None
        if kind in ("percent", "score"):
            for i in np.flatnonzero(frame[col].to_numpy(dtype=float) > 100):
                add(i, col, f"「{_label(col)}」= {frame[col].iloc[i]:g}，应在 0–100 之间", frame[col].iloc[i])
    if "revenue" in frame and "expenditure" in frame:
        bad = (frame["revenue"].to_numpy(dtype=float) > 0) & (frame["expenditure"].to_numpy(dtype=float) == 0)
        for i in np.flatnonzero(bad):
            add(i, "expenditure", f"有「{_label('revenue')}」却没有「{_label('expenditure')}」（支出为 0）", 0)
    return problems
