"""The extraction record: plain dataclasses, one per fact kind.

Field names follow the contract in the README (section "The extraction record"): fields may be
added, never renamed or dropped. Every fact that quotes the source carries `quote`, `start` and
`end`, character offsets into the original decoded text, so that `text[start:end] == quote`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PolicyMeta:
    title: str | None = None
    notice_title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    issued_date: str | None = None
    published_date: str | None = None
    status: str | None = None
    # field name -> [start, end] of the evidence in the original text
    spans: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Measure:
    id: str
    path: str
    heading: str
    lead_agencies: list[str]
    agencies: list[str]
    start: int
    end: int
    level: int = 0


@dataclass
class Agency:
    name: str
    aliases: list[str]
    measures: list[str]
    lead_measures: list[str] = field(default_factory=list)
    collective: bool = False


@dataclass
class Instrument:
    type: str | None  # an id of the taxonomy; None where no type covers what it funds (with a warning)
    amount_yuan: int | None
    max: bool
    per: str | None
    ratio: float | None
    level: str | None
    recipient: str | None
    measure: str | None
    quote: str
    start: int
    end: int
    # a cap on the total of the promises of its measure (同一企业每年累计最高200万元), in yuan
    cumulative_cap_yuan: int | None = None


@dataclass
class Target:
    indicator: str
    value: float | int
    value_min: float | int | None
    unit: str
    year: int | None
    quote: str
    start: int
    end: int
    measure: str | None = None


@dataclass
class Citation:
    title: str
    doc_number: str | None
    quote: str
    start: int
    end: int


@dataclass
class ExtractionRecord:
    doc: str
    sha256: str
    city: str | None
    policy: PolicyMeta
    measures: list[Measure] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    collective_agencies: list[str] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    baselines: list[Target] = field(default_factory=list)
    cited_policies: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the issuer's level: city / district / county / zone / town, or None when it cannot be told
    issuer_level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractionRecord:
        """Inverse of `to_dict`, so a saved record can be rebuilt into a graph."""
        return cls(
            doc=data["doc"],
            sha256=data["sha256"],
            city=data.get("city"),
            policy=PolicyMeta(**data.get("policy", {})),
            measures=[Measure(**m) for m in data.get("measures", [])],
            agencies=[Agency(**a) for a in data.get("agencies", [])],
            collective_agencies=list(data.get("collective_agencies", [])),
            instruments=[Instrument(**i) for i in data.get("instruments", [])],
            targets=[Target(**t) for t in data.get("targets", [])],
            baselines=[Target(**t) for t in data.get("baselines", [])],
            cited_policies=list(data.get("cited_policies", [])),
            citations=[Citation(**c) for c in data.get("citations", [])],
            warnings=list(data.get("warnings", [])),
            issuer_level=data.get("issuer_level"),
        )
