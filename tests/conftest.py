"""Shared helpers: hand-made extraction records (not seed figures) and the fixture documents."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from extract.records import Agency, ExtractionRecord, Instrument, PolicyMeta

FIXTURES = Path(__file__).parent / "fixtures"
GOOD_DOCUMENTS = ("jinan_voucher_policy.txt", "hangzhou_incubator_policy.txt")


def instrument(
    type: str = "innovation_voucher",
    amount_yuan: int | None = 300_000,
    *,
    max: bool = False,
    per: str | None = None,
    ratio: float | None = None,
    level: str | None = None,
    recipient: str | None = "科技型中小企业",
    measure: str | None = "m1",
    quote: str = "给予补助",
    start: int = 0,
) -> Instrument:
    return Instrument(
        type=type,
        amount_yuan=amount_yuan,
        max=max,
        per=per,
        ratio=ratio,
        level=level,
        recipient=recipient,
        measure=measure,
        quote=quote,
        start=start,
        end=start + len(quote),
    )


def record(
    doc: str,
    city: str | None,
    instruments: list[Instrument] | None = None,
    title: str | None = None,
    agencies: list[str] | None = None,
) -> ExtractionRecord:
    return ExtractionRecord(
        doc=doc,
        sha256="0" * 64,
        city=city,
        policy=PolicyMeta(title=title or f"{city or '某市'}科技政策"),
        agencies=[Agency(name=name, aliases=[name], measures=[]) for name in agencies or []],
        instruments=instruments or [],
    )


@pytest.fixture
def make_instrument() -> Callable[..., Instrument]:
    return instrument


@pytest.fixture
def make_record() -> Callable[..., ExtractionRecord]:
    return record


@pytest.fixture
def three_city_records() -> list[ExtractionRecord]:
    """甲市 funds vouchers twice (one capped per year), 乙市 once, 丙市 only incubators."""
    return [
        record(
            "a.txt",
            "甲市",
            [
                instrument(
                    amount_yuan=300_000, max=True, per="year", ratio=0.5, quote="每年最高不超过30万元", start=10
                ),
                instrument(amount_yuan=1_000_000, level="国家级", quote="给予100万元", start=50),
                instrument(type="incubator_award", amount_yuan=2_000_000, quote="孵化器奖励200万元", start=90),
            ],
            title="甲市科技创新券管理办法",
            agencies=["市科技局", "市财政局"],
        ),
        record(
            "b.txt", "乙市", [instrument(amount_yuan=50_000, quote="给予5万元创新券", start=5)], agencies=["市科技局"]
        ),
        record("c.txt", "丙市", [instrument(type="incubator_award", amount_yuan=None, quote="给予奖励")]),
    ]


@pytest.fixture
def good_documents(tmp_path: Path) -> Path:
    """A directory holding copies of the fixture documents."""
    directory = tmp_path / "docs"
    directory.mkdir()
    for name in GOOD_DOCUMENTS:
        shutil.copy(FIXTURES / name, directory / name)
    return directory


@pytest.fixture(autouse=True, scope="session")
def private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`build` and `serve` cache records and builds under $XDG_CACHE_HOME/policykg by default: the
    tests use a directory of their own, never the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("xdg-cache")
        patch.setenv("XDG_CACHE_HOME", str(home))
        yield home
