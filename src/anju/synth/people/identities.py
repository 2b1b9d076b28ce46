"""Valid, unique resident IDs (GB 11643) and organisation codes (GB 32100), and plausible names."""

from __future__ import annotations

import random
from array import array
from datetime import date, timedelta

from stdnum.cn import ric, uscc

from anju.synth import names
from anju.synth.city import DISTRICT_WEIGHT

# Resident ID region codes. A code is valid only for people born while it was assigned (python-stdnum
# checks this), so each district falls back to its earlier code, then to the city's.
FALLBACK = {
    "320102": ("320120",),
    "320104": ("320120",),
    "320105": ("320120",),
    "320106": ("320120",),
    "320113": ("320120",),
    "320114": ("320120",),
    "320111": ("320122",),
    "320115": ("320121",),
    "320116": ("320123",),
    "320117": ("320124",),
    "320118": ("320125",),
}
OTHER_REGIONS = (
    ("340102", 4),
    ("340104", 3),
    ("321002", 3),
    ("320382", 3),
    ("321102", 2),
    ("320583", 2),
    ("341802", 2),
    ("410105", 2),
    ("420106", 2),
    ("360102", 1),
    ("430102", 1),
    ("510107", 1),
    ("370102", 1),
    ("330106", 1),
    ("110105", 1),
    ("310115", 1),
)
EPOCH = date(1930, 1, 1)
ID_DAYS = (date(2035, 12, 31) - EPOCH).days + 1


class Identities:
    """Valid, unique resident IDs and organisation codes, and plausible names.

    Uniqueness without remembering the IDs: a counter per (region, birth date, sex) picks the
    sequence number (a fixed-size array, a few MB whatever the scale)."""

    def __init__(self, seed: int) -> None:
        codes: list[str] = []
        for c in [*DISTRICT_WEIGHT, *(f for fs in FALLBACK.values() for f in fs), "320100"]:
            if c not in codes:
                codes.append(c)
        for c, _w in OTHER_REGIONS:
            for x in (c, c[:4] + "00"):
                if x not in codes:
                    codes.append(x)
        self.codes = codes
        self.index = {c: i for i, c in enumerate(codes)}
        self.counters = array("H", bytes(2 * 2 * len(codes) * ID_DAYS))
        self._regions: dict[tuple[int, bool], tuple[list[str], list[float]]] = {}
        self._valid: dict[tuple[str, int], bool] = {}
        self.org_serial = 0
        self.org_base = random.Random(f"anju-orgs-{seed}").randrange(10**8)
        surnames = [s for s, _ in names.SURNAMES]
        self.surnames = surnames
        cum: list[float] = []
        t = 0.0
        for _, w in names.SURNAMES:
            t += w
            cum.append(t)
        self.surname_cum = cum
        self.given = tuple(dict.fromkeys(names.GIVEN_CHARS))

    def _is_valid(self, code: str, year: int) -> bool:
        key = (code, year)
        if key not in self._valid:
            body = f"{code}{year}0615001"
            self._valid[key] = ric.is_valid(body + ric.calc_check_digit(body + "0"))
        return self._valid[key]

    def regions(self, year: int, local: bool) -> tuple[list[str], list[float]]:
        key = (year, local)
        if key not in self._regions:
            codes: list[str] = []
            weights: list[float] = []
            pairs = list(DISTRICT_WEIGHT.items()) if local else [(c, float(w)) for c, w in OTHER_REGIONS]
            for code, w in pairs:
                chain = (code, *FALLBACK.get(code, ()), code[:4] + "00")
                ok = next((c for c in chain if self._is_valid(c, year)), None)
                if ok is not None:
                    codes.append(ok)
                    weights.append(w)
            cum: list[float] = []
            t = 0.0
            for w in weights:
                t += w
                cum.append(t)
            self._regions[key] = (codes, cum)
        return self._regions[key]

    def resident_id(self, rng: random.Random, birth: date, male: bool, local: bool) -> tuple[str, date]:
        """A valid, never-issued-before resident ID (and the birth date it carries)."""
        codes, cum = self.regions(birth.year, local)
        code = rng.choices(codes, cum_weights=cum)[0]
        ci = self.index[code]
        day = birth
        while True:
            k = ((ci * ID_DAYS + (day - EPOCH).days) << 1) | male
            c = self.counters[k]
            if c < 490:
                break
            day += timedelta(days=1)
        self.counters[k] = c + 1
        body = f"{code}{day.year:04d}{day.month:02d}{day.day:02d}{10 + 2 * c + male:03d}"
        return body + ric.calc_check_digit(body + "0"), day

    def name(self, rng: random.Random) -> str:
        s = rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
        n = 1 if rng.random() < 0.28 else 2
        return s + "".join(rng.choice(self.given) for _ in range(n))

    def credit_code(self, region: str) -> str:
        """A valid unified social credit code (GB 32100) with a valid organisation code (GB 11714)."""
        serial = self.org_serial
        self.org_serial += 1
        org = f"{(self.org_base + serial * 7919) % 10**8:08d}"
        c = 11 - sum(int(x) * w for x, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        org += "X" if c == 10 else "0" if c == 11 else str(c)
        body = "91" + region + org
        return body + uscc.calc_check_digit(body)
