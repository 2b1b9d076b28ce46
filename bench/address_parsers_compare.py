"""Existing address parsers from PyPI (cpca, jionlp) against ours, on one labelled corpus.

    python3 -m venv /tmp/evalvenv && /tmp/evalvenv/bin/pip install cpca jionlp
    PYTHONPATH=src python bench/address_parsers_compare.py --other-python /tmp/evalvenv/bin/python \\
        [--generated 500] [--speed 2000] [--seed 3] [--json]

cpca and jionlp are not project dependencies, so they are usually installed in a scratch virtual
environment: ``--other-python`` names its interpreter, and this script runs itself there as a worker
(``--worker``; stdlib, cpca and jionlp only) over the same texts. Without ``--other-python`` both
must be importable by the interpreter running the script. If either is missing the script says so
and exits with code 2.

The labelled corpus has three parts: the hand-written cases of ``tests/unit/test_address_parser.py``
(each scored only on the components the case states), records from ``bench/address_parse.py``'s
generator (``--generated``, every component labelled, bad input left out) and ``HOLDOUT`` below:
real Nanjing road and estate names in the styles of real records, labelled by hand before any parser
was run on them and not used to change ours. Our parser was fixed against the first two parts, so
its score there is not an unbiased estimate; the holdout is the fairer figure.

Scored per level: district (cpca 区, jionlp county), street/town (jionlp town), road + door number,
estate, building, unit and room — cpca and jionlp leave everything below the county/town in one
remainder string, which the table shows as "—". Also: how often a parser names a province or city
other than 江苏省/南京市 (a wrong place), whether bad input raises an exception, and throughput on
``--speed`` generated addresses (one process, wall clock; cpca is given the whole list at once, as
it is meant to be called). Prints a Markdown table (and the raw figures with ``--json``).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OTHERS = ("cpca", "jionlp")
LEVELS = ("district", "street", "road+door", "estate", "building", "unit", "room")
SUPPORTED = {
    "ours": set(LEVELS),
    "cpca": {"district"},
    "jionlp": {"district", "street"},
}

# Hand-labelled before any parser saw them: (text, district, street, road, door, estate, building, unit, room).
HOLDOUT: list[
    tuple[str, str | None, str | None, str | None, str | None, str | None, str | None, str | None, str | None]
] = [
    (
        "南京市秦淮区瑞金路街道瑞金路18号瑞金新村12栋3单元401室",
        "秦淮区",
        "瑞金路街道",
        "瑞金路",
        "18",
        "瑞金新村",
        "12",
        "3",
        "401",
    ),
    (
        "南京市建邺区嘉陵江东街18号国家广告产业园5幢1203室",
        "建邺区",
        None,
        "嘉陵江东街",
        "18",
        "国家广告产业园",
        "5",
        None,
        "1203",
    ),
    (
        "江宁区双龙大道1222号托乐嘉龙湖苑17-2-1102",
        "江宁区",
        None,
        "双龙大道",
        "1222",
        "托乐嘉龙湖苑",
        "17",
        "2",
        "1102",
    ),
    ("南京市栖霞区仙林街道学海路1号", "栖霞区", "仙林街道", "学海路", "1", None, None, None, None),
    (
        "南京市浦口区江浦街道浦园路2号浦园小区二十三幢二单元三〇一室",
        "浦口区",
        "江浦街道",
        "浦园路",
        "2",
        "浦园小区",
        "23",
        "2",
        "301",
    ),
    ("南京雨花台区软件大道109号雨花客厅B栋2201", "雨花台区", None, "软件大道", "109", "雨花客厅", "B", None, "2201"),
    (
        "南京市六合区雄州街道龙池路8号(近六合区政府)锦绣花园3-1-502",
        "六合区",
        "雄州街道",
        "龙池路",
        "8",
        "锦绣花园",
        "3",
        "1",
        "502",
    ),
    (
        "南京市玄武区孝陵卫街道中山门大街301号森林海小区4幢2单元603室 电话13805150000",
        "玄武区",
        "孝陵卫街道",
        "中山门大街",
        "301",
        "森林海小区",
        "4",
        "2",
        "603",
    ),
    (
        "南京市溧水区永阳街道珍珠南路66号天生桥花园8栋1单元201",
        "溧水区",
        "永阳街道",
        "珍珠南路",
        "66",
        "天生桥花园",
        "8",
        "1",
        "201",
    ),
    ("南京市高淳区淳溪街道宝塔路218号", "高淳区", "淳溪街道", "宝塔路", "218", None, None, None, None),
    ("南京市秦淮区白下路273号2栋301", "秦淮区", None, "白下路", "273", None, "2", None, "301"),
    ("南京市鼓楼区湖南路街道马台街99号", "鼓楼区", "湖南路街道", "马台街", "99", None, None, None, None),
    ("南京市江北新区泰山街道柳洲东路1号", "浦口区", "泰山街道", "柳洲东路", "1", None, None, None, None),
    (
        "南京市建邺区兴隆街道梦都大街50号新城科技园10栋1108室",
        "建邺区",
        "兴隆街道",
        "梦都大街",
        "50",
        "新城科技园",
        "10",
        None,
        "1108",
    ),
    ("南京市玄武區珠江路699號", "玄武区", None, "珠江路", "699", None, None, None, None),
    ("南京市秦淮区中华门街道雨花路5号附近", "秦淮区", "中华门街道", "雨花路", "5", None, None, None, None),
    ("南京市下关区热河路55号", "鼓楼区", None, "热河路", "55", None, None, None, None),
    ("南京市江宁县东山镇竹山路68号", "江宁区", "东山街道", "竹山路", "68", None, None, None, None),
    (
        "南京市栖霞区迈皋桥街道华电路1号华电新村5幢303室",
        "栖霞区",
        "迈皋桥街道",
        "华电路",
        "1",
        "华电新村",
        "5",
        None,
        "303",
    ),
    ("南京市雨花台区赛虹桥街道大定坊8号", "雨花台区", "赛虹桥街道", "大定坊", "8", None, None, None, None),
    ("南京市鼓楼区广州路188号苏宁环球大厦1701室", "鼓楼区", None, "广州路", "188", "苏宁环球大厦", None, None, "1701"),
    ("南京市玄武区龙蟠路9号(南京站)", "玄武区", None, "龙蟠路", "9", None, None, None, None),
    ("南京市秦淮区夫子庙贡院街152号", "秦淮区", None, "贡院街", "152", None, None, None, None),
    (
        "南京市建邺区莫愁湖街道水西门大街22号莫愁湖小区2-301",
        "建邺区",
        "莫愁湖街道",
        "水西门大街",
        "22",
        "莫愁湖小区",
        "2",
        None,
        "301",
    ),
    (
        "南京市江宁区秣陵街道将军大道129号翠屏城翠屏清华园6栋2单元1801室",
        "江宁区",
        "秣陵街道",
        "将军大道",
        "129",
        "翠屏城翠屏清华园",
        "6",
        "2",
        "1801",
    ),
    (
        "江苏省南京市栖霞区尧化街道尧佳路8号尧林仙居3期12幢一单元602",
        "栖霞区",
        "尧化街道",
        "尧佳路",
        "8",
        "尧林仙居3期",
        "12",
        "1",
        "602",
    ),
    ("南京鼓楼区宁海路122号3号楼2单元", "鼓楼区", None, "宁海路", "122", None, "3", "2", None),
    ("玄武区 锁金村街道 锁金新村6栋 508", "玄武区", "锁金村街道", None, None, "锁金新村", "6", None, "508"),
]


# -- worker: runs in the interpreter that has cpca and jionlp ----------------------------------------


def _dist_size(name: str, seen: set[str]) -> int:
    """Installed bytes of a distribution and everything it requires (each counted once)."""
    import importlib.metadata as md
    import re

    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return 0
    seen.add(key)
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        return 0
    total = 0
    for f in dist.files or []:
        p = Path(str(dist.locate_file(f)))
        if p.is_file():
            total += p.stat().st_size
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        total += _dist_size(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0], seen)
    return total


def worker() -> int:
    import contextlib

    job = json.load(sys.stdin)
    with contextlib.redirect_stdout(sys.stderr):  # jionlp prints a banner on import
        out = _work(job)
    json.dump(out, sys.stdout)  # ASCII: outputs may hold lone surrogates
    return 0


def _work(job: dict[str, list[str]]) -> dict[str, Any]:
    import importlib.metadata as md
    import math
    import warnings

    warnings.filterwarnings("ignore")
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    cpca = importlib.import_module("cpca")
    t_cpca = time.perf_counter() - t0
    t0 = time.perf_counter()
    jionlp = importlib.import_module("jionlp")
    t_jio = time.perf_counter() - t0

    def clean(v: Any) -> str | None:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    def run_cpca(texts: list[str]) -> list[dict[str, str | None]]:
        df = cpca.transform(texts)
        return [
            {"province": clean(r["省"]), "city": clean(r["市"]), "district": clean(r["区"]), "rest": clean(r["地址"])}
            for _, r in df.iterrows()
        ]

    def run_jio(texts: list[str]) -> list[dict[str, str | None]]:
        res = []
        for t in texts:
            r = jionlp.parse_location(t, town_village=True)
            res.append(
                {
                    "province": r["province"],
                    "city": r["city"],
                    "district": r["county"],
                    "street": r["town"],
                    "rest": r["detail"],
                }
            )
        return res

    out["cpca"] = {
        "version": md.version("cpca"),
        "import_seconds": round(t_cpca, 3),
        "installed_mb": round(_dist_size("cpca", set()) / 2**20, 1),
        "labelled": run_cpca(job["labelled"]),
    }
    out["jionlp"] = {
        "version": md.version("jionlp"),
        "import_seconds": round(t_jio, 3),
        "installed_mb": round(_dist_size("jionlp", set()) / 2**20, 1),
        "labelled": run_jio(job["labelled"]),
    }
    for name, fn in (("cpca", run_cpca), ("jionlp", run_jio)):
        t0 = time.perf_counter()
        fn(job["speed"])
        out[name]["speed_seconds"] = time.perf_counter() - t0
        raised = []
        for bad in job["bad"]:
            try:
                fn([bad])
            except Exception as e:  # what raises is the finding
                raised.append(f"{bad[:20]!r}: {type(e).__name__}")
        out[name]["bad_raised"] = raised
    return out


# -- main: runs with the project's interpreter ------------------------------------------------------


def missing_here() -> list[str]:
    return [m for m in OTHERS if importlib.util.find_spec(m) is None]


def missing_in(python: str) -> list[str]:
    code = f"import importlib.util as u; print(' '.join(m for m in {OTHERS!r} if u.find_spec(m) is None))"
    try:
        res = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError):
        return list(OTHERS)
    return res.stdout.split()


def labelled_corpus(n_generated: int, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(part, text, labels): labels hold only the components the record is scored on."""
    from tests.unit.test_address_parser import CASES

    from address_parse import LEVELS as GEN_LEVELS
    from address_parse import corpus

    keys = {"district", "street", "road", "door", "estate", "building", "unit", "room"}
    out: list[tuple[str, str, dict[str, Any]]] = []
    for _, text, expected in CASES:
        out.append(("test cases", text, {k: v for k, v in expected.items() if k in keys}))
    for rec in corpus(n_generated * 2, seed):
        if not rec.error and sum(p == "generated" for p, _, _ in out) < n_generated:
            out.append(("generated", rec.text, {k: getattr(rec, k) for k in GEN_LEVELS}))
    names = ("district", "street", "road", "door", "estate", "building", "unit", "room")
    for text, *values in HOLDOUT:
        out.append(("holdout", text, dict(zip(names, values, strict=True))))
    return out


def level_value(level: str, d: dict[str, Any]) -> Any:
    if level == "road+door":
        return (d.get("road"), d.get("door"))
    return d.get(level)


def has_level(level: str, labels: dict[str, Any]) -> bool:
    if level == "road+door":
        return "road" in labels and "door" in labels
    return level in labels


def score(corpus: list[tuple[str, str, dict[str, Any]]], outputs: list[dict[str, Any]], tool: str) -> dict[str, Any]:
    parts = [*sorted({p for p, _, _ in corpus}), "all"]
    table: dict[str, dict[str, Any]] = {}
    for part in parts:
        rows = [(lab, o) for (p, _, lab), o in zip(corpus, outputs, strict=True) if part in ("all", p)]
        res: dict[str, Any] = {"records": len(rows)}
        for level in LEVELS:
            scored = [(lab, o) for lab, o in rows if has_level(level, lab)]
            if level not in SUPPORTED[tool]:
                res[level] = None
            else:
                ok = sum(level_value(level, lab) == level_value(level, o) for lab, o in scored)
                res[level] = [ok, len(scored)]
        res["wrong_place"] = sum(
            o.get("province") not in (None, "江苏省") or o.get("city") not in (None, "南京市") for _, o in rows
        )
        table[part] = res
    return table


def ours(texts: list[str]) -> list[dict[str, Any]]:
    from anju.addresses import parse

    return [dict(parse(t).as_dict()) for t in texts]


def misses(corpus: list[tuple[str, str, dict[str, Any]]], outputs: list[dict[str, Any]], tool: str) -> list[str]:
    out = []
    for (part, text, labels), o in zip(corpus, outputs, strict=True):
        for level in LEVELS:
            if level in SUPPORTED[tool] and has_level(level, labels):
                want, got = level_value(level, labels), level_value(level, o)
                if want != got:
                    out.append(f"{tool} [{part}] {text!r} {level}: want {want!r}, got {got!r}")
        if o.get("province") not in (None, "江苏省") or o.get("city") not in (None, "南京市"):
            out.append(f"{tool} [{part}] {text!r} wrong place: {o.get('province')} {o.get('city')} {o.get('district')}")
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = []
    head = "| parser | part | records | " + " | ".join(LEVELS) + " | wrong province/city |"
    lines.append(head)
    lines.append("|" + " --- |" * (4 + len(LEVELS)))
    for tool in ("ours", "cpca", "jionlp"):
        for part, res in results[tool]["accuracy"].items():
            cells = []
            for level in LEVELS:
                v = res[level]
                cells.append("—" if v is None else (f"{v[0] / v[1]:.1%} ({v[0]}/{v[1]})" if v[1] else "n/a"))
            lines.append(f"| {tool} | {part} | {res['records']} | " + " | ".join(cells) + f" | {res['wrong_place']} |")
    lines.append("")
    lines.append(
        "| parser | version | addresses/s (one process) | import s | installed MB (with dependencies) "
        "| bad input raised |"
    )
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for tool in ("ours", "cpca", "jionlp"):
        r = results[tool]
        raised = "; ".join(r["bad_raised"]) or "none"
        row = (r["version"], f"{r['per_second']:,}", r["import_seconds"], r["installed_mb"], raised)
        lines.append(f"| {tool} | " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--other-python", help="interpreter of a virtual environment with cpca and jionlp")
    ap.add_argument("--generated", type=int, default=500, help="generated labelled records")
    ap.add_argument("--speed", type=int, default=2000, help="generated addresses for throughput")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print the raw figures too")
    ap.add_argument("--misses", type=int, default=0, help="print up to this many misses of each parser")
    args = ap.parse_args()
    if args.worker:
        return worker()
    python = args.other_python or sys.executable
    missing = missing_in(python) if args.other_python else missing_here()
    if missing:
        print(
            f"not installed for {python}: {', '.join(missing)}. Install them in a scratch environment "
            "(python3 -m venv /tmp/evalvenv && /tmp/evalvenv/bin/pip install cpca jionlp) and pass "
            "--other-python /tmp/evalvenv/bin/python.",
            file=sys.stderr,
        )
        return 2
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    corpus = labelled_corpus(args.generated, args.seed)
    from address_parse import BAD
    from address_parse import corpus as gen_corpus

    speed_texts = [r.text for r in gen_corpus(args.speed, args.seed + 1) if not r.error]
    bad = [b for b in BAD if isinstance(b, str)]
    job = {"labelled": [t for _, t, _ in corpus], "speed": speed_texts, "bad": bad}
    res = subprocess.run(
        [python, str(Path(__file__).resolve()), "--worker"],
        input=json.dumps(job),  # ASCII: some texts hold lone surrogates
        capture_output=True,
        text=True,
        check=True,
    )
    other = json.loads(res.stdout)

    import anju
    from anju.addresses import parse

    # start-up in a fresh interpreter (this one has imported the parser already): import + gazetteer
    code = (
        "import time; t = time.perf_counter(); from anju.addresses import parse; parse('南京市'); "
        "print(time.perf_counter() - t)"
    )
    t_import = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    ours_labelled = ours(job["labelled"])
    t0 = time.perf_counter()
    for t in speed_texts:
        parse(t)
    t_ours = time.perf_counter() - t0
    raised = []
    for b in bad:
        try:
            parse(b)
        except Exception as e:
            raised.append(f"{b[:20]!r}: {type(e).__name__}")
    results: dict[str, Any] = {
        "ours": {
            "version": f"anju {getattr(anju, '__version__', '')}".strip(),
            "import_seconds": round(t_import, 3),
            "installed_mb": "— (pypinyin, opencc: already project dependencies)",
            "accuracy": score(corpus, ours_labelled, "ours"),
            "per_second": round(len(speed_texts) / t_ours),
            "bad_raised": raised,
        }
    }
    for tool in OTHERS:
        o = other[tool]
        results[tool] = {
            "version": o["version"],
            "import_seconds": o["import_seconds"],
            "installed_mb": o["installed_mb"],
            "accuracy": score(corpus, o["labelled"], tool),
            "per_second": round(len(speed_texts) / o["speed_seconds"]),
            "bad_raised": o["bad_raised"],
        }
    results["corpus"] = {
        "labelled": len(corpus),
        "speed_addresses": len(speed_texts),
        "seed": args.seed,
    }
    print(markdown(results))
    if args.misses:
        outputs = {"ours": ours_labelled} | {tool: other[tool]["labelled"] for tool in OTHERS}
        for tool, outs in outputs.items():
            print(f"\n{tool}: misses")
            print("\n".join(misses(corpus, outs, tool)[: args.misses]))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
