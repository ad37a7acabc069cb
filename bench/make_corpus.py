"""Make an N-city corpus for the scale benchmarks: the seeds copied once per city, with the seeds'
city names replaced by a real prefecture-level city's.

    python bench/make_corpus.py 300 /tmp/corpus-300      # 300 cities x 5 seeds = 1,500 documents

Cities come from extract/data/places.tsv (level `city`: prefecture-level divisions), the ones whose
name ends in 市 first, in adcode order, leaving out the four seed cities and the municipalities
(北京, 上海, 天津, 重庆: provinces of their own). A seed name is replaced in its full form first
(大连市 → 石家庄市, or 延边朝鲜族自治州 for a division that is not a 市), then in its short form
(大连 → 石家庄), simplified and traditional (盤錦, as one seed is written). Each copy is named
`<adcode>_<seed file name>`. The corpus is a function of N alone: no randomness.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACES = ROOT / "extract" / "data" / "places.tsv"
# The seeds' cities, with every spelling they are written in.
SEED_CITIES: dict[str, tuple[str, ...]] = {
    "大连": ("大连", "大連"),
    "威海": ("威海",),
    "盘锦": ("盘锦", "盤錦"),
    "鞍山": ("鞍山",),
}


@dataclass(frozen=True)
class City:
    name: str  # 石家庄市, 延边朝鲜族自治州
    short: str  # 石家庄, 延边
    adcode: str


def prefecture_cities() -> list[City]:
    with PLACES.open(encoding="utf-8", newline="") as stream:
        rows = [row for row in csv.DictReader(stream, delimiter="\t") if row["level"] == "city"]
    cities = [
        City(row["name"], row["city"], row["adcode"])
        for row in rows
        if row["city"] and row["name"] != row["province"] and row["city"] not in SEED_CITIES
    ]
    # cities proper (…市) first; then autonomous prefectures, leagues and areas, if N needs them
    return sorted(cities, key=lambda c: (not c.name.endswith("市"), c.adcode))


def localise(text: str, city: City) -> str:
    for spellings in SEED_CITIES.values():
        for spelling in spellings:
            text = text.replace(spelling + "市", city.name).replace(spelling, city.short)
    return text


def make_corpus(cities: int, out: Path, seeds: Path) -> list[Path]:
    available = prefecture_cities()
    if cities > len(available):
        raise SystemExit(f"make_corpus: only {len(available)} prefecture-level cities in {PLACES}")
    documents = sorted(seeds.glob("*.txt"))
    if out.exists():
        if any(p.suffix != ".txt" for p in out.iterdir()):
            raise SystemExit(f"make_corpus: {out} holds more than a corpus; choose a new directory")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for city in available[:cities]:
        for document in documents:
            path = out / f"{city.adcode}_{document.name}"
            path.write_text(localise(document.read_text(encoding="utf-8"), city), encoding="utf-8")
            written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cities", type=int, help="number of cities")
    parser.add_argument("out", type=Path, help="directory to write (a corpus already there is replaced)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    args = parser.parse_args()
    written = make_corpus(args.cities, args.out, args.seeds)
    size = sum(p.stat().st_size for p in written)
    print(f"{args.out}: {len(written)} documents, {args.cities} cities, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
