"""The data catalogue (数据目录): every dataset the contexts declare (``anju.contexts``: ``datasets``)
and every feed they receive (``feeds``: listed from its definition, so nothing is declared twice),
who may see which, search, and the catalogue as DCAT in JSON-LD (``catalogue_dcat``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import NotRequired, TypedDict

from anju import contexts
from anju.core.errors import NotFound
from anju.exchange.domain import SENSITIVITIES, Dataset, DatasetField, FeedDefinition, check_dataset, dataset_of_feed
from anju.security import Caller


def collect(declared: Iterable[contexts.Context]) -> tuple[Dataset, ...]:
    """The datasets of these contexts, by id: declared ones, then each feed not declared as a dataset.
    A declaration that is not sound stops here (a developer's mistake, found by the first test)."""
    out: dict[str, Dataset] = {}
    problems: list[str] = []
    for ctx in declared:
        for name, spec in ctx.datasets.items():
            ds = contexts.load(spec)
            if not isinstance(ds, Dataset):
                problems.append(f"{ctx.name}.{name}: {spec} is not an anju.exchange.Dataset")
                continue
            problems += check_dataset(ds, ctx.name, name)
            out[ds.id] = ds
    for ctx in declared:
        for spec in ctx.feeds.values():
            feed = contexts.load(spec)
            if isinstance(feed, FeedDefinition) and feed.dataset not in out:
                out[feed.dataset] = dataset_of_feed(feed)
    if problems:
        raise RuntimeError("dataset declarations: " + "; ".join(problems))
    return tuple(sorted(out.values(), key=lambda d: d.id))


@cache
def datasets() -> tuple[Dataset, ...]:
    """Every dataset of the platform (read once per process)."""
    return collect(contexts.CONTEXTS)


def sees_all(caller: Caller) -> bool:
    return caller.can("exchange.read")


def visible(caller: Caller, among: Sequence[Dataset] | None = None) -> list[Dataset]:
    """The datasets whose catalogue entry ``caller`` may see: every one with ``exchange.read``; else
    the public ones and those whose audience names the caller's role."""
    among = datasets() if among is None else among
    if sees_all(caller):
        return list(among)
    role = caller.role.value if caller.role else None
    return [d for d in among if d.public or (role is not None and role in d.audience)]


def get(caller: Caller, dataset_id: str) -> Dataset:
    for d in visible(caller):
        if d.id == dataset_id:
            return d
    raise NotFound(f"数据目录中没有数据集 {dataset_id}")


def search(
    found: Sequence[Dataset], *, q: str = "", sensitivity: str = "", context: str = "", open_only: bool = False
) -> list[Dataset]:
    """Filter: ``q`` in the id, title, description, keywords or field labels; a sensitivity class; an
    owning context; open data only."""
    needle = q.strip().lower()
    out = []
    for d in found:
        text = " ".join((d.id, d.title, d.description, d.office, *d.keywords, *(f.label for f in d.fields)))
        if needle and needle not in text.lower():
            continue
        if sensitivity in SENSITIVITIES and d.sensitivity != sensitivity:
            continue
        if context and d.context != context:
            continue
        if open_only and not d.open_data:
            continue
        out.append(d)
    return out


# --- DCAT (Data Catalog Vocabulary, W3C Recommendation, version 3) in JSON-LD ---------------------------

NAMESPACES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "csvw": "http://www.w3.org/ns/csvw#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
#: The EU Publications Office's authority tables, which DCAT-AP uses for frequency and access rights.
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
_FREQUENCIES = {
    "实时": "CONT", "每日": "DAILY", "每周": "WEEKLY", "每月": "MONTHLY", "每季": "QUARTERLY", "每年": "ANNUAL",
    "不定期": "IRREG",
}  # fmt: skip
_ACCESS = {"公开": "PUBLIC", "内部": "RESTRICTED", "敏感": "NON_PUBLIC"}
_XSD = {
    "text": "xsd:string", "int": "xsd:integer", "decimal": "xsd:decimal", "fen": "xsd:integer", "date": "xsd:date",
    "datetime": "xsd:dateTime", "bool": "xsd:boolean", "code": "xsd:string",
}  # fmt: skip
PUBLISHER = "安居平台（市住房保障和房产局）"

#: JSON-LD nodes: their keys are JSON-LD keywords ("@id") and compact IRIs ("dcat:dataset").
LangString = TypedDict("LangString", {"@value": str, "@language": str})
IriRef = TypedDict("IriRef", {"@id": str})
ColumnNode = TypedDict(
    "ColumnNode",
    {
        "@type": str,
        "csvw:name": str,
        "csvw:title": LangString,
        "csvw:datatype": IriRef,
        "dct:description": NotRequired[LangString],
    },
)
AccessRights = TypedDict("AccessRights", {"@id": str, "skos:prefLabel": LangString})
Organization = TypedDict("Organization", {"@type": str, "foaf:name": LangString})
TableSchema = TypedDict("TableSchema", {"@type": str, "csvw:column": list[ColumnNode]})
DistributionNode = TypedDict(
    "DistributionNode",
    {"@type": str, "dct:title": LangString, "dcat:downloadURL": IriRef, "dcat:mediaType": IriRef, "dct:format": str},
)
DatasetNode = TypedDict(
    "DatasetNode",
    {
        "@id": str,
        "@type": str,
        "dct:identifier": str,
        "dct:title": LangString,
        "dct:description": LangString,
        "dct:publisher": Organization,
        "dct:accrualPeriodicity": IriRef,
        "dct:accessRights": AccessRights,
        "dcat:keyword": list[LangString],
        "csvw:tableSchema": TableSchema,
        "dcat:distribution": NotRequired[list[DistributionNode]],
    },
)
CatalogDoc = TypedDict(
    "CatalogDoc",
    {
        "@context": dict[str, str],
        "@id": str,
        "@type": str,
        "dct:title": LangString,
        "dct:description": LangString,
        "dct:publisher": dict[str, str],
        "dct:language": str,
        "dcat:dataset": list[DatasetNode],
    },
)


def _zh(text: str) -> LangString:
    return {"@value": text, "@language": "zh-CN"}


def _column(f: DatasetField) -> ColumnNode:
    col: ColumnNode = {
        "@type": "csvw:Column",
        "csvw:name": f.name,
        "csvw:title": _zh(f.label),
        "csvw:datatype": {"@id": _XSD[f.type]},
    }
    notes = [x for x in (f.description, f"单位：{f.unit}" if f.unit else "", "个人信息" if f.personal else "") if x]
    if notes:
        col["dct:description"] = _zh("；".join(notes))
    return col


def dataset_dcat(d: Dataset, base_url: str) -> DatasetNode:
    """One dataset as a ``dcat:Dataset`` node (compact IRIs of :data:`NAMESPACES`)."""
    node: DatasetNode = {
        "@id": f"{base_url}/catalogue#{d.id}",
        "@type": "dcat:Dataset",
        "dct:identifier": d.id,
        "dct:title": _zh(d.title),
        "dct:description": _zh(d.description),
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": _zh(d.office)},
        "dct:accrualPeriodicity": {"@id": FREQUENCY + _FREQUENCIES[d.frequency]},
        "dct:accessRights": {"@id": ACCESS_RIGHT + _ACCESS[d.sensitivity], "skos:prefLabel": _zh(d.sensitivity)},
        "dcat:keyword": [_zh(k) for k in d.keywords],
        "csvw:tableSchema": {"@type": "csvw:Schema", "csvw:column": [_column(f) for f in d.fields]},
    }
    if d.open_data:
        node["dcat:distribution"] = [
            {
                "@type": "dcat:Distribution",
                "dct:title": _zh(f"{d.title}（{fmt.upper()}）"),
                "dcat:downloadURL": {"@id": f"{base_url}/open-data/{d.id}.{fmt}"},
                "dcat:mediaType": {"@id": MEDIA_TYPE + media},
                "dct:format": fmt.upper(),
            }
            for fmt, media in (("csv", "text/csv"), ("json", "application/json"))
        ]
    return node


def catalogue_dcat(found: Sequence[Dataset], base_url: str) -> CatalogDoc:
    """The catalogue of ``found`` as a ``dcat:Catalog`` (JSON-LD, compact IRIs)."""
    base_url = base_url.rstrip("/")
    return {
        "@context": dict(NAMESPACES),
        "@id": f"{base_url}/api/v1/exchange/catalogue",
        "@type": "dcat:Catalog",
        "dct:title": _zh("安居平台数据目录"),
        "dct:description": _zh(
            "住房保障和房产业务的数据资源目录：数据集、责任处室、更新频率、字段、敏感级别与开放数据下载。"
        ),
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": PUBLISHER},
        "dct:language": "zh-CN",
        "dcat:dataset": [dataset_dcat(d, base_url) for d in found],
    }


#: The owning contexts as the catalogue's filter names them.
CONTEXT_LABELS = {
    "registry": "楼盘表", "rental": "住房租赁", "transactions": "房屋交易", "assistance": "住房保障",
    "funds": "资金监管", "credit": "信用", "addresses": "地址", "exchange": "数据交换", "divisions": "行政区划",
}  # fmt: skip
