"""Server time of every page a person can reach, as each demo role, on a running server.

    # in another shell: the demo (its accounts), with the per-address rate limits lifted for one client
    ANJU_RATE_LIMIT_LOGIN=1000/minute ANJU_RATE_LIMIT_PUBLIC=100000/minute .venv/bin/anju demo --port 8011
    python bench/crawl_pages.py --base-url http://127.0.0.1:8011 [--per-route 5] [--repeat 3]

Signs in through the sign-in form as each demo role (the demo password), starts from the home page
(the workbench) and the role's menu, and follows same-origin links breadth-first to depth 2: every
GET page route (a path with its numbers replaced by ``{n}``) is visited with up to ``--per-route``
concrete URLs, each ``--repeat`` times. Downloads (CSV, xlsx, PDF, images) and the API are skipped.
The time is the server's own (``Server-Timing: app;dur=…``, from the request's arrival to the
response head), so the client and the network are not counted. Prints JSON: per route template
n, p50, p95 and max in milliseconds and the roles that reached it; and the slowest routes.
Forms are not submitted by this script (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

ROLES = ("citizen", "landlord", "agency", "clerk", "district", "city", "auditor", "admin")
SKIP = re.compile(r"\.(csv|xlsx|pdf|svg|png|pbf|geojson|json|txt|js|css)(\?|$)|^/api/|^/static/|^/tiles/")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def template(path: str) -> str:
    """The route a URL belongs to: numbers and codes replaced, the query string dropped."""
    p = urlsplit(path).path
    return re.sub(r"/[0-9A-Z]{6,}(?=/|$)|/\d+(?=/|$)", "/{n}", p)


def sign_in(base: str, username: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=base, follow_redirects=False, headers={"accept": "text/html"}, timeout=60)
    form = c.get("/login").text
    m = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"username": username, "password": password, **({"csrf_token": m.group(1)} if m else {})}
    r = c.post("/login", data=data)
    if r.status_code != 303:
        raise SystemExit(f"{username}: sign-in failed ({r.status_code})")
    return c


def server_ms(r: httpx.Response) -> float:
    m = re.search(r"dur=([\d.]+)", r.headers.get("server-timing", ""))
    if m is None:
        raise SystemExit(f"{r.url}: no Server-Timing header (an older server?)")
    return float(m.group(1))


def crawl(c: httpx.Client, per_route: int, repeat: int, depth: int) -> Iterable[tuple[str, str, float, int]]:
    """(template, url, server ms, status) of every visit."""
    seen_urls: set[str] = set()
    per_tpl: dict[str, int] = defaultdict(int)
    frontier = ["/"]
    for level in range(depth + 1):
        nxt: list[str] = []
        for url in frontier:
            tpl = template(url)
            if url in seen_urls or per_tpl[tpl] >= per_route:
                continue
            seen_urls.add(url)
            per_tpl[tpl] += 1
            for _ in range(repeat):
                r = c.get(url)
                yield tpl, url, server_ms(r), r.status_code
            if level < depth and r.status_code == 200 and "text/html" in r.headers.get("content-type", ""):
                parser = Links()
                parser.feed(r.text)
                for href in parser.hrefs:
                    u = urlsplit(urljoin(str(r.url), href))
                    if u.netloc and u.netloc != urlsplit(str(c.base_url)).netloc:
                        continue
                    path = u.path + (f"?{u.query}" if u.query else "")
                    if not SKIP.search(path) and "logout" not in path:
                        nxt.append(path)
        frontier = nxt


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", default="http://127.0.0.1:8011")
    ap.add_argument("--password", default="Anju-Demo-2026!")
    ap.add_argument("--roles", default=",".join(ROLES))
    ap.add_argument("--per-route", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--depth", type=int, default=2)
    args = ap.parse_args()
    times: dict[str, list[float]] = defaultdict(list)
    roles: dict[str, set[str]] = defaultdict(set)
    errors: list[str] = []
    for role in args.roles.split(","):
        c = sign_in(args.base_url, role, args.password)
        for tpl, url, ms, status in crawl(c, args.per_route, args.repeat, args.depth):
            if status >= 500 or status in (403, 429):
                errors.append(f"{role} {url} → {status}")
            times[tpl].append(ms)
            roles[tpl].add(role)
        c.close()
    routes: dict[str, dict[str, Any]] = {
        tpl: {
            "n": len(xs),
            "p50": round(statistics.median(xs), 1),
            "p95": round(pct(xs, 95), 1),
            "max": round(max(xs), 1),
            "roles": sorted(roles[tpl]),
        }
        for tpl, xs in sorted(times.items())
    }
    every = [x for xs in times.values() for x in xs]
    out = {
        "base_url": args.base_url,
        "routes": routes,
        "requests": len(every),
        "all_p95": round(pct(every, 95), 1),
        "slowest_p95": sorted(((float(v["p95"]), k) for k, v in routes.items()), reverse=True)[:10],
        "over_300ms_p95": sorted(k for k, v in routes.items() if float(v["p95"]) > 300),
        "errors": errors,
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
