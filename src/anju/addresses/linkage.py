"""Linking department address records to register homes with Splink (Fellegi–Sunter).

Both sides are reduced to the same standard components (see :mod:`anju.addresses.parser`):
records by parsing their free text, register homes from their structured columns, normalised by the
same functions. Splink then

* **blocks**: only pairs that agree on a few exact keys are compared (estate + building + room,
  its pinyin for homophones, road + door + building + room, district + building + room + the
  estate's first character or the estate without it: a one-character typo leaves one intact);
* **scores** each pair: per component, the level of agreement (exact, homophone, near, different,
  missing) weighs log2(m/u), summed with the prior into a match weight and probability.

The model's parameters (m and u per level, the prior) live in a JSON file (``model.json`` beside
this module; re-estimated by :func:`train`), so that a run is deterministic and every backend gives
the same scores. Comparisons use only exact equality and Levenshtein distance over ASCII pinyin, which
both DuckDB and Spark compute identically (DuckDB's Levenshtein counts UTF-8 bytes, Spark's
characters: on Chinese text they would differ).

Each record then gets one outcome, decided on its best two candidates: **linked** when the best is
likely (probability ≥ ``link_threshold``) and clearly ahead of the second (by ``margin`` in match
weight, i.e. 2^margin times likelier); **review** when the best is at least ``review_threshold`` but
not clear; **unlinked** otherwise, with the reason.

The backend (DuckDB by default, Spark for province scale) is the only thing that changes between
runs; the SQL each runs is Splink's plus one ranking query written in the SQL both understand.
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
from sqlalchemy import Connection, select

from anju.addresses.domain import LevelExplanation
from anju.addresses.parser import ParsedAddress, estate_columns, estate_key, normalise_name
from anju.addresses.reread import reread
from anju.registry import Status, buildings, estates, homes

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).parent / "model.json"
COMPONENTS = ("district", "street", "road", "door", "estate", "estate_py", "building", "unit", "room")
SCHEMA = pa.schema(
    [("unique_id", pa.int64())]
    + [(c, pa.string()) for c in COMPONENTS]
    + [("estate_head", pa.string()), ("estate_rest", pa.string()), ("zone", pa.string())]
)
REGISTER_SCHEMA = SCHEMA.append(pa.field("house_code", pa.string()))
#: Homes a department record can be linked to: they exist in the world now or did.
LINKABLE = tuple(s.value for s in Status if s not in (Status.planned, Status.retired, Status.demolished))


@dataclass(frozen=True)
class Thresholds:
    link_threshold: float = 0.99
    review_threshold: float = 0.5
    margin: float = 4.0  # match-weight lead of the best candidate over the second (2^4 = 16× likelier)

    def as_dict(self) -> dict[str, float]:
        return {"link_threshold": self.link_threshold, "review_threshold": self.review_threshold, "margin": self.margin}


DEFAULT_THRESHOLDS = Thresholds()


class Explainer:
    """Turns a pair's per-comparison match weights into labelled levels (shared by all candidates)."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.names = tuple(_levels(model))
        self.weights = level_weights(model)

    def explain(self, mws: Sequence[float]) -> dict[str, LevelExplanation]:
        return {
            n: {"level": _label(self.weights[n], w), "weight": round(w, 2)}
            for n, w in zip(self.names, mws, strict=True)
        }


@dataclass(slots=True)
class Candidate:
    home_id: int
    house_code: str
    street_code: str
    match_weight: float
    probability: float
    mws: tuple[float, ...]  # match weight per comparison, in the model's order
    explainer: Explainer | None = None

    @property
    def explanation(self) -> dict[str, LevelExplanation]:
        return self.explainer.explain(self.mws) if self.explainer is not None else {}


@dataclass
class Outcome:
    index: int
    status: str  # linked | review | unlinked
    reason: str
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


# -- components ------------------------------------------------------------------------------------
#: an estate key and what linkage compares of it (``parser.estate_columns``), cached per register name
EstateColumns = tuple[str | None, str | None, str | None, str | None]


def _unit(u: str | None) -> str:
    return u if u else "1"


def record_components(p: ParsedAddress) -> dict[str, str | None]:
    """The comparable components of a parsed record (``None`` where it does not say)."""
    est = estate_key(p.estate)
    est_py, head, rest = estate_columns(est)
    return {
        "district": p.district_code,
        "street": p.street_code,
        "road": normalise_name(p.road),
        "door": p.door,
        "estate": est,
        "estate_py": est_py,
        "building": p.building,
        "unit": p.unit,
        "room": p.room,
        "estate_head": head,
        "estate_rest": rest,
        # a functional zone written instead of a district: the districts it may mean
        "zone": ",".join(p.zone_districts) if p.district_code is None and p.zone_districts else None,
    }


def records_table(parsed: Sequence[ParsedAddress]) -> pa.Table:
    cols: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for i, p in enumerate(parsed):
        comp = record_components(p) if p.ok else dict.fromkeys(SCHEMA.names[1:])
        cols["unique_id"].append(i)
        for k in SCHEMA.names[1:]:
            cols[k].append(comp[k])
    return pa.table(cols, schema=SCHEMA)


def register_batches(conn: Connection, batch: int = 200_000) -> Iterator[pa.Table]:
    """Register homes as components (and their house code), streamed in batches in id order."""
    q = (
        select(
            homes.c.id,
            homes.c.house_code,
            homes.c.district_code,
            homes.c.street_code,
            estates.c.road,
            estates.c.door_no,
            estates.c.name,
            buildings.c.building_no,
            homes.c.unit_no,
            homes.c.room_no,
        )
        .select_from(
            homes.join(buildings, buildings.c.id == homes.c.building_id).join(
                estates, estates.c.id == homes.c.estate_id
            )
        )
        .where(homes.c.status.in_(LINKABLE))
        .order_by(homes.c.id)
    )
    names: dict[str, EstateColumns] = {}
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
    for part in result.partitions(batch):
        yield homes_table(part, names)


def homes_table(rows: Iterable[Sequence[Any]], names: dict[str, EstateColumns] | None = None) -> pa.Table:
    """Register homes as components: rows of (id, house code, district code, street code, road, door
    number, estate name, building number, unit, room); ``names`` caches estate keys across calls."""
    names = {} if names is None else names
    cols: dict[str, list[Any]] = {name: [] for name in REGISTER_SCHEMA.names}
    for hid, code, dist, street, road, door, ename, bno, unit, room in rows:
        if ename not in names:
            k = estate_key(ename)
            names[ename] = (k, *estate_columns(k))
        est, est_py, head, rest = names[ename]
        cols["unique_id"].append(hid)
        cols["district"].append(dist)
        cols["street"].append(street)
        cols["road"].append(normalise_name(road))
        cols["door"].append(door)
        cols["estate"].append(est)
        cols["estate_py"].append(est_py)
        cols["building"].append(normalise_name(bno))
        cols["unit"].append(_unit(unit))
        cols["room"].append(normalise_name(room))
        cols["estate_head"].append(head)
        cols["estate_rest"].append(rest)
        cols["zone"].append(None)
        cols["house_code"].append(code)
    return pa.table(cols, schema=REGISTER_SCHEMA)


def register_table(conn: Connection) -> pa.Table:
    parts = list(register_batches(conn))
    return pa.concat_tables(parts) if parts else REGISTER_SCHEMA.empty_table()


# -- the Splink model ------------------------------------------------------------------------------
def load_model(path: Path | None = None) -> dict[str, Any]:
    """The shipped model, or a trained one (``anju address train``)."""
    from anju.core.errors import ValidationError

    try:
        model = json.loads((path or MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValidationError.of("model", f"无法读取关联模型文件：{e}") from None
    if not isinstance(model, dict) or "comparisons" not in model or "blocking" not in model:
        raise ValidationError.of("model", "不是关联模型文件（缺少 comparisons 或 blocking）")
    return model


def _levels(model: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return model["comparisons"]  # type: ignore[no-any-return]


def settings_dict(model: dict[str, Any]) -> dict[str, Any]:
    """The Splink settings for a model: comparisons as SQL over both dialects, with m and u."""
    comparisons = []
    for name, levels in _levels(model).items():
        comparisons.append(
            {
                "output_column_name": name,
                "comparison_description": name,
                "comparison_levels": [
                    {
                        "sql_condition": _level_sql(lv),
                        "label_for_charts": lv["label"],
                        **({"is_null_level": True} if lv.get("null") else {}),
                        **({"m_probability": lv["m"], "u_probability": lv["u"]} if not lv.get("null") else {}),
                    }
                    for lv in levels
                ],
            }
        )
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        # prior odds that a record and a home match (see docs/addresses.md: fixed, not 1 / homes)
        "probability_two_random_records_match": model["prior"],
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": model["blocking"],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
    }


#: Longest name compared character by character (longer names fall through to the next level).
MAX_CHARS = 12


def _level_sql(level: dict[str, Any]) -> str:
    """A level's SQL condition. ``one_char_diff: col`` expands to "same length, at most one character
    differs", position by position with substr (characters, not bytes, on DuckDB and Spark alike)."""
    col = level.get("one_char_diff")
    if col is None:
        return str(level["sql"])
    diffs = " + ".join(
        f"CASE WHEN substr({col}_l, {i}, 1) = substr({col}_r, {i}, 1) THEN 0 ELSE 1 END"
        for i in range(1, MAX_CHARS + 1)
    )
    return f"length({col}_l) = length({col}_r) AND length({col}_l) <= {MAX_CHARS} AND ({diffs}) <= 1"


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """Per comparison, (match weight, label) of each level: Splink reports a pair's level by its
    weight (log2 m/u; a missing value weighs 0)."""
    out: dict[str, list[tuple[float, str]]] = {}
    for name, levels in _levels(model).items():
        out[name] = [(0.0 if lv.get("null") else math.log2(lv["m"] / lv["u"]), lv["label"]) for lv in levels]
    return out


def _label(weights: list[tuple[float, str]], mw: float) -> str:
    return min(weights, key=lambda wl: abs(wl[0] - mw))[1]


# -- backends --------------------------------------------------------------------------------------
class Backend(Protocol):
    name: str

    def db_api(self) -> Any: ...

    def register(self, table: pa.Table, name: str) -> Any: ...

    def collect(self, sql: str) -> pa.Table: ...

    def create(self, name: str, sql: str) -> None: ...

    def close(self) -> None: ...


class DuckDBBackend:
    name = "duckdb"

    def __init__(
        self, memory_limit: str | None = None, threads: int | None = None, temp_dir: str | None = None
    ) -> None:
        import duckdb
        from splink import DuckDBAPI

        self.con = duckdb.connect()
        self._tmp = tempfile.TemporaryDirectory(prefix="anju-duckdb-") if temp_dir is None else None
        if memory_limit:
            if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*(MB|GB|MiB|GiB)", memory_limit):
                raise ValueError(f"memory_limit: {memory_limit!r} is not like 4GB")
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
            # insertion order is not needed (every result is ordered explicitly); dropping it saves memory
            self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        spill = temp_dir or (self._tmp.name if self._tmp else None)
        self.con.execute(f"SET temp_directory = '{spill}'")
        self._api = DuckDBAPI(connection=self.con)

    def db_api(self) -> Any:
        return self._api

    def register(self, table: pa.Table, name: str) -> Any:
        # scanned in place (zero copy): the caller keeps the Arrow table alive for the job
        self.con.register(name, table)
        return self._api.register(name, dataset_display_name=name)

    def collect(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def create(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def close(self) -> None:
        self.con.close()
        if self._tmp is not None:
            self._tmp.cleanup()


class SparkBackend:
    """Splink's Spark backend: a given session, or a local one (``local[*]``) made here."""

    name = "spark"

    def __init__(self, session: Any | None = None, partitions: int = 8) -> None:
        from splink import SparkAPI

        if session is None:
            session = local_spark_session(partitions)
        self.spark = session
        self._api = SparkAPI(spark_session=session, num_partitions_on_repartition=partitions)  # type: ignore[no-untyped-call]

    def db_api(self) -> Any:
        return self._api

    def register(self, table: pa.Table, name: str) -> Any:
        df = self.spark.createDataFrame(table)
        df.createOrReplaceTempView(name)
        return self._api.register(name, dataset_display_name=name)

    def collect(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def create(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).localCheckpoint()
        df.createOrReplaceTempView(name)

    def close(self) -> None:  # the session may be shared; leave it to its owner
        pass


def local_spark_session(partitions: int = 8) -> Any:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[2]")
        .appName("anju-address-link")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    # Splink breaks long query lineages by checkpointing: local mode checkpoints to a temp folder
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="anju-spark-"))
    return session


# -- the job ---------------------------------------------------------------------------------------
@dataclass
class LinkResult:
    outcomes: list[Outcome]
    pairs_scored: int
    seconds: dict[str, float]


def link(
    records: pa.Table,
    register: pa.Table,
    backend: Backend,
    *,
    model: dict[str, Any] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    rejected: Iterable[tuple[int, int]] = (),
    top: int = 3,
) -> LinkResult:
    """Score record × home pairs and decide each record's outcome.

    ``records.unique_id`` are record indexes (0…n-1), ``register.unique_id`` home ids (with their
    ``house_code`` and ``street``); ``rejected`` are (record index, home id) pairs a clerk has
    rejected: they are never proposed again. Ranking and the outcome rule run as SQL in the backend;
    only the best candidate of each record, and the top candidates with their explanation for records
    sent to review, come back to Python.
    """
    import time

    from splink import Linker

    model = dict(model or load_model())
    t0 = time.perf_counter()
    records = reread(records, register)
    left = backend.register(records, "anju_records")
    right = backend.register(register, "anju_register")
    rejected = list(rejected)
    backend.register(
        pa.table(
            {"rid": [r for r, _h in rejected], "hid": [h for _r, h in rejected]},
            schema=pa.schema([("rid", pa.int64()), ("hid", pa.int64())]),
        ),
        "anju_rejected",
    )
    linker = Linker([left, right], settings_dict(model), log_level=logging.WARNING)
    t1 = time.perf_counter()
    preds = linker.inference.predict(threshold_match_weight=model.get("score_floor", -10.0), warning_mode="never")
    names = list(_levels(model))
    mws = ", ".join(f"mw_{n}" for n in names)
    t, rv, margin = thresholds.link_threshold, thresholds.review_threshold, thresholds.margin
    # Splink puts the first input (the records) on the left of every pair.
    backend.create(
        "anju_ranked",
        f"""
        SELECT p.unique_id_l AS rid, p.unique_id_r AS hid, p.match_weight, p.match_probability, {mws},
               ROW_NUMBER() OVER (PARTITION BY p.unique_id_l ORDER BY p.match_weight DESC, p.unique_id_r) AS rk
        FROM {preds.physical_name} p
        LEFT JOIN anju_rejected x ON x.rid = p.unique_id_l AND x.hid = p.unique_id_r
        WHERE x.rid IS NULL
        """,
    )
    # the estate names of the register and how many estates bear each (an estate: name, district,
    # road and door), for the unique-estate rule (docs/addresses.md, "Outcome")
    backend.create(
        "anju_estate_names",
        """
        SELECT estate, COUNT(DISTINCT concat(coalesce(district, ''), '|', coalesce(road, ''), '|',
                                             coalesce(door, ''))) AS estates
        FROM anju_register
        WHERE estate IS NOT NULL
        GROUP BY estate
        """,
    )
    backend.create(
        "anju_road_doors",
        """
        SELECT road, door, COUNT(DISTINCT concat(coalesce(district, ''), '|', coalesce(estate, ''))) AS estates
        FROM anju_register
        WHERE road IS NOT NULL AND door IS NOT NULL
        GROUP BY road, door
        """,
    )
    clear = f"(s.match_weight IS NULL OR b.match_weight - s.match_weight >= {margin})"
    backend.create(
        "anju_best",
        f"""
        SELECT b.rid, b.hid, h.house_code, h.street AS street_code, b.match_weight, b.match_probability,
               s.match_weight AS second_weight,
               CASE
                 WHEN b.match_probability >= {t} AND {clear} THEN 'linked'
                 WHEN b.match_probability >= {rv} AND {clear} AND {UNIQUE_ESTATE_SQL} THEN 'linked'
                 WHEN b.match_probability >= {rv} THEN 'review'
                 ELSE 'unlinked'
               END AS status,
               CASE WHEN b.match_probability < {t} AND {UNIQUE_ESTATE_SQL} THEN 1 ELSE 0 END AS unique_estate
        FROM anju_ranked b
        JOIN anju_register h ON h.unique_id = b.hid
        JOIN anju_records r ON r.unique_id = b.rid
        LEFT JOIN anju_estate_names en ON en.estate = r.estate
        LEFT JOIN anju_road_doors rd ON rd.road = r.road AND rd.door = r.door
        LEFT JOIN anju_ranked s ON s.rid = b.rid AND s.rk = 2
        WHERE b.rk = 1
        """,
    )
    best = backend.collect("SELECT * FROM anju_best ORDER BY rid")
    # candidates with their explanation: every candidate of a review record, the best of a linked one
    cands = backend.collect(
        f"""
        SELECT r.rid, r.hid, h.house_code, h.street AS street_code, r.match_weight, r.match_probability, {mws}
        FROM anju_ranked r
        JOIN anju_best b ON b.rid = r.rid
        JOIN anju_register h ON h.unique_id = r.hid
        WHERE (b.status = 'review' AND r.rk <= {int(top)}) OR (b.status = 'linked' AND r.rk = 1)
        ORDER BY r.rid, r.rk
        """
    )
    pairs = int(backend.collect(f"SELECT COUNT(*) AS n FROM {preds.physical_name}").column("n")[0].as_py())
    t2 = time.perf_counter()
    outcomes = decide(records, best, cands, model, thresholds)
    t3 = time.perf_counter()
    return LinkResult(outcomes, pairs, {"splink_setup": t1 - t0, "score": t2 - t1, "decide": t3 - t2})


#: The unique-estate rule (issue 26): a record that names an estate, building and room but neither
#: district, street nor road, whose best candidate has exactly that estate name, building, room and
#: (when written) unit, the name being borne by one estate of the whole city. Such a record names one
#: home of the city, as a clerk would read it; the model alone stays below the link threshold there
#: (≈ 0.98: nothing but the estate places it in the city). Used with the margin over the second
#: candidate, so a near twin (another unit, a one-character-different name) still sends it to review.
#: Its road form: road and door number but neither district, street nor estate (江山路327号9幢302室),
#: the road and door being one estate's in the whole city.
UNIQUE_ESTATE_SQL = """(
    r.district IS NULL AND r.street IS NULL AND r.building IS NOT NULL AND r.room IS NOT NULL
    AND r.building = h.building AND r.room = h.room AND (r.unit IS NULL OR r.unit = h.unit)
    AND (
        (r.road IS NULL AND r.estate IS NOT NULL AND r.estate = h.estate AND en.estates = 1)
        OR (r.estate IS NULL AND r.road IS NOT NULL AND r.road = h.road AND r.door = h.door AND rd.estates = 1)
    )
)"""


def decide(
    records: pa.Table, best: pa.Table, cands: pa.Table, model: dict[str, Any], thresholds: Thresholds
) -> list[Outcome]:
    """Outcomes in record order, from the backend's best-candidate table and explanations."""
    explainer = Explainer(model)
    explained: dict[int, list[Candidate]] = {}
    cc = {c: cands.column(c).to_pylist() for c in cands.column_names}
    mw_cols = [cc[f"mw_{n}"] for n in explainer.names]
    for i in range(cands.num_rows):
        explained.setdefault(cc["rid"][i], []).append(
            Candidate(
                cc["hid"][i],
                cc["house_code"][i],
                cc["street_code"][i],
                float(cc["match_weight"][i]),
                float(cc["match_probability"][i]),
                tuple(col[i] for col in mw_cols),
                explainer,
            )
        )
    del cc, mw_cols
    rid = best.column("rid").to_pylist()
    status = best.column("status").to_pylist()
    mw = best.column("match_weight").to_pylist()
    prob = best.column("match_probability").to_pylist()
    second = best.column("second_weight").to_pylist()
    hid = best.column("hid").to_pylist()
    code = best.column("house_code").to_pylist()
    street = best.column("street_code").to_pylist()
    unique = best.column("unique_estate").to_pylist()
    at = {r: k for k, r in enumerate(rid)}
    uid = records.column("unique_id").to_pylist()
    room = records.column("room").to_pylist()
    out: list[Outcome] = []
    for k, r in enumerate(uid):
        j = at.get(r)
        if j is None:
            out.append(Outcome(r, "unlinked", NO_CANDIDATE if room[k] is not None else NO_ROOM))
            continue
        cs = explained.get(r) or [Candidate(hid[j], code[j], street[j], float(mw[j]), float(prob[j]), ())]
        lead = math.inf if second[j] is None else mw[j] - second[j]
        why = _reason(status[j], float(prob[j]), lead, thresholds, unique_estate=bool(unique[j]))
        out.append(Outcome(r, status[j], why, cs))
    return out


NO_CANDIDATE = "no_candidate: 没有候选房屋（小区、道路或房号与楼盘表都对不上）"
NO_ROOM = "no_room: 地址缺少房号，无法对应到户"


def _reason(status: str, p: float, lead: float, t: Thresholds, *, unique_estate: bool = False) -> str:
    if status == "linked":
        if unique_estate:
            return f"unique_estate: 小区名或门牌全市唯一，楼栋、单元、房号一致（匹配概率 {p:.4f}）"
        return f"linked: 匹配概率 {p:.4f}"
    if status == "review":
        if lead < t.margin:
            return f"close_candidates: 前两个候选相差 {lead:.1f}（需 ≥ {t.margin:g}）"
        return f"uncertain: 匹配概率 {p:.3f} 低于自动关联阈值 {t.link_threshold:g}"
    return f"low_score: 最佳候选匹配概率 {p:.3f} 过低"


# -- training --------------------------------------------------------------------------------------
#: Bounds on trained probabilities: a level never seen in a sample is rare, not impossible.
MIN_PROBABILITY = 1e-6


def train(
    records: pa.Table,
    register: pa.Table,
    backend: Backend,
    *,
    labels: Sequence[tuple[int, int]] = (),
    model: dict[str, Any] | None = None,
    max_pairs: float = 5e6,
    seed: int = 1,
) -> dict[str, Any]:
    """Re-estimate the model on real data, the Splink way, and return the new model.

    * u (how often non-matching pairs agree at each level) by random sampling of record × home pairs;
    * m (how often true matches do) from labelled pairs — (record index, home id) that are known to
      match: clerks' accepted decisions, or a synthetic set's ground truth. Without labels the m values
      are kept.
    """
    from splink import Linker

    model = json.loads(json.dumps(model or load_model()))
    left = backend.register(records, "anju_records")
    right = backend.register(register, "anju_register")
    linker = Linker([left, right], settings_dict(model), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    if labels:
        table = pa.table(
            {
                "source_dataset_l": ["anju_records"] * len(labels),
                "unique_id_l": [r for r, _h in labels],
                "source_dataset_r": ["anju_register"] * len(labels),
                "unique_id_r": [h for _r, h in labels],
            }
        )
        sdf = backend.register(table, "anju_labels")
        linker.training.estimate_m_from_pairwise_labels(sdf)  # type: ignore[no-untyped-call]
    trained = linker.misc.save_model_to_json()
    for comp in trained["comparisons"]:
        levels = [lv for lv in _levels(model)[comp["output_column_name"]] if not lv.get("null")]
        got = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        for key, name in (("m", "m_probability"), ("u", "u_probability")):
            if key == "m" and not labels:
                continue
            # a level the sample never showed is rare, not impossible; then the level probabilities
            # of one comparison sum to one again
            values = [max(MIN_PROBABILITY, float(t.get(name) or 0.0)) for t in got]
            total = sum(values)
            for mine, v in zip(levels, values, strict=True):
                mine[key] = v / total
    model["description"] = f"Trained: u by random sampling ({max_pairs:g} pairs, seed {seed}); " + (
        f"m from {len(labels)} labelled pairs." if labels else "m kept from the previous model."
    )
    return model
