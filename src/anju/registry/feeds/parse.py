"""Checking one feed record on its own (no database): every bad field is named with its reason.

Owners are checked with the platform's validators (``security.resident_id``, ``security.credit_code``,
``security.person_name``: python-stdnum check digits). What needs the register (the home, an earlier
record) is checked by the loader against the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from anju.core.errors import FieldError, ValidationError
from anju.security import credit_code, person_name, resident_id

#: Registration kinds: name → 登记类型, and the Chinese names a file may use.
REGISTRATION_KINDS = {"first": "首次登记", "transfer": "转移登记", "correction": "更正登记"}
#: Restriction events: name (and Chinese) → (kind, action).
RESTRICTION_EVENTS: dict[str, tuple[str, str]] = {
    "seize": ("seizure", "impose"), "查封": ("seizure", "impose"),
    "release": ("seizure", "lift"), "解封": ("seizure", "lift"),
    "mortgage": ("mortgage", "impose"), "抵押": ("mortgage", "impose"),
    "discharge": ("mortgage", "lift"), "抵押注销": ("mortgage", "lift"), "注销": ("mortgage", "lift"),
    "restrict": ("administrative", "impose"), "行政限制": ("administrative", "impose"),
    "unrestrict": ("administrative", "lift"), "解除限制": ("administrative", "lift"),
}  # fmt: skip
OWNER_KINDS = {"person": "person", "个人": "person", "org": "org", "单位": "org", "企业": "org"}
_ID_RE = re.compile(r"^[0-9A-Za-z\-_.:/]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class RawRecord:
    """One record as delivered: its line (or position), its fields and (registrations) its owners."""

    line: int
    fields: dict[str, str]
    owners: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class OwnerIn:
    kind: str  # person | org
    id_value: str  # normalised resident ID or credit code
    name: str
    share_pct: int


@dataclass(frozen=True)
class RegistrationIn:
    line: int
    record_id: str
    kind: str
    corrects: str | None
    certificate_no: str
    house_code: str
    registered_on: date
    owners: tuple[OwnerIn, ...]

    def canonical(self) -> str:
        """The record's content (without its line), for recognising a re-delivery."""
        owners = [[o.kind, o.id_value, o.name, o.share_pct] for o in self.owners]
        head = [self.record_id, self.kind, self.corrects, self.certificate_no, self.house_code]
        return json.dumps([*head, self.registered_on.isoformat(), owners], ensure_ascii=False)


@dataclass(frozen=True)
class RestrictionIn:
    line: int
    record_id: str
    kind: str  # seizure | mortgage | administrative
    action: str  # impose | lift
    document_no: str
    lifts: str | None
    house_code: str
    authority: str
    starts_on: date
    ends_on: date | None

    def canonical(self) -> str:
        d = asdict(self)
        d.pop("line")
        return json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)


class _Fields:
    """A raw record's fields with the errors found while reading them."""

    def __init__(self, raw: RawRecord) -> None:
        self.raw = raw
        self.errors: list[FieldError] = []
        if "_error" in raw.fields:
            self.fail("record", raw.fields["_error"])

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(FieldError(name, reason, self.raw.line))

    def text(self, name: str, max_len: int, *, required: bool = True, src: dict[str, str] | None = None) -> str:
        v = (src if src is not None else self.raw.fields).get(name, "").strip()
        if not v:
            if required:
                self.fail(name, "不能为空")
            return ""
        if len(v) > max_len:
            self.fail(name, f"不能超过 {max_len} 个字符")
        elif _CONTROL.search(v) or v[0] in "=+@":
            self.fail(name, "含有控制字符或以 = + @ 开头")
        return v

    def ident(self, name: str, *, required: bool = True) -> str | None:
        v = self.raw.fields.get(name, "").strip()
        if not v:
            if required:
                self.fail(name, "不能为空")
            return None
        if not _ID_RE.match(v):
            self.fail(name, "应为 1–64 位字母、数字或 - _ . : /")
        return v

    def day(self, name: str, today: date, *, required: bool = True) -> date | None:
        v = self.raw.fields.get(name, "").strip()
        if not v:
            if required:
                self.fail(name, "不能为空")
            return None
        try:
            d = date.fromisoformat(v)
        except ValueError:
            self.fail(name, f"日期「{v[:20]}」格式应为 YYYY-MM-DD")
            return None
        if d > today:
            self.fail(name, "不能晚于今天")
        return d


@lru_cache(maxsize=65536)
def _place_known(region_and_year: str) -> bool:
    """python-stdnum's birth-place check (the region code assigned in the birth year), which depends on
    the first 10 characters only: cached, because it is most of the cost of checking an ID."""
    try:
        ric.get_birth_place(region_and_year + "01010000")
    except (StdnumError, KeyError):  # python-stdnum raises KeyError for some codes (e.g. 320192)
        return False
    return True


def _resident_id(value: str) -> str:
    """``security.resident_id`` with its costly part cached: python-stdnum's checks of an 18-character
    number (digits, check digit, birth date, birth place), in its order; anything else, or any
    failure, goes through ``security.resident_id`` itself for its normalisation and its reason."""
    v = "".join(value.split()).upper()
    if len(v) == 18 and v[:17].isdigit() and v[-1] == ric.calc_check_digit(v):
        try:
            date(int(v[6:10]), int(v[10:12]), int(v[12:14]))  # python-stdnum's get_birth_date, without its clean-up
        except ValueError:
            return resident_id(v)
        if _place_known(v[:10]):
            return v
        raise ValidationError.of("id_number", "居民身份证号码中的出生日期或地址码无效")
    return resident_id(value)


def _owner(f: _Fields, raw: dict[str, str], i: int) -> OwnerIn | None:
    prefix = f"owners[{i}]."
    kind = OWNER_KINDS.get(raw.get("owner_kind", "").strip() or "person")
    if kind is None:
        f.fail(prefix + "owner_kind", "应为 person（个人）或 org（单位）")
        return None
    value = raw.get("owner_id", "").strip()
    name = raw.get("owner_name", "").strip()
    try:
        value = _resident_id(value) if kind == "person" else credit_code(value)
    except ValidationError as e:  # the validator's reason (length, check digit, birth date…), never the value
        f.fail(prefix + "owner_id", e.errors[0].reason if e.errors else "证件号码无效")
        return None
    try:
        name = person_name(name) if kind == "person" else name
    except ValidationError:
        f.fail(prefix + "owner_name", "姓名应为 2–40 个汉字或字母")
        return None
    if kind == "org" and not 2 <= len(name) <= 80:
        f.fail(prefix + "owner_name", "单位名称应为 2–80 个字符")
        return None
    share = raw.get("share_pct", "").strip().removesuffix("%")
    if not share.isdigit() or not 1 <= int(share) <= 100:
        f.fail(prefix + "share_pct", "共有份额应为 1–100 的整数百分比")
        return None
    return OwnerIn(kind, value, name, int(share))


def _owners(f: _Fields) -> tuple[OwnerIn, ...]:
    raws = f.raw.owners
    if not raws:
        f.fail("owners", "至少应有一个权利人")
        return ()
    if len(raws) == 1 and not raws[0].get("share_pct", "").strip():
        raws = [{**raws[0], "share_pct": "100"}]
    owners = [o for i, raw in enumerate(raws) if (o := _owner(f, raw, i)) is not None]
    if len(owners) == len(raws):
        total = sum(o.share_pct for o in owners)
        if total != 100:
            f.fail("share_pct", f"各权利人的共有份额之和应为 100，实为 {total}")
        if len({(o.kind, o.id_value) for o in owners}) < len(owners):
            f.fail("owner_id", "同一权利人出现多次")
    return tuple(owners)


def registration(raw: RawRecord, today: date) -> RegistrationIn | list[FieldError]:
    """A registration record, or every error found in it."""
    f = _Fields(raw)
    if f.errors:  # not a record at all (a line that is not JSON)
        return f.errors
    record_id = f.ident("record_id")
    kind_text = raw.fields.get("kind", "").strip()
    kind = (
        kind_text if kind_text in REGISTRATION_KINDS else {v: k for k, v in REGISTRATION_KINDS.items()}.get(kind_text)
    )
    if kind is None:
        f.fail("kind", f"应为 {'、'.join(f'{k}（{v}）' for k, v in REGISTRATION_KINDS.items())} 之一")
    corrects = f.ident("corrects", required=False)
    if kind == "correction" and corrects is None:
        f.fail("corrects", "更正登记应写明所更正记录的业务号")
    if kind not in (None, "correction") and corrects is not None:
        f.fail("corrects", "只有更正登记（correction）可以写更正业务号")
    if corrects is not None and corrects == record_id:
        f.fail("corrects", "不能更正记录本身")
    cert = f.text("certificate_no", 64)
    code = f.text("house_code", 23)
    on = f.day("registered_on", today)
    owners = _owners(f)
    if f.errors or record_id is None or kind is None or on is None:
        return f.errors
    return RegistrationIn(raw.line, record_id, kind, corrects, cert, code, on, owners)


def restriction(raw: RawRecord, today: date) -> RestrictionIn | list[FieldError]:
    """A restriction record (查封/解封, 抵押/注销, 行政限制/解除), or every error found in it."""
    f = _Fields(raw)
    if f.errors:
        return f.errors
    record_id = f.ident("record_id")
    event = RESTRICTION_EVENTS.get(raw.fields.get("event", "").strip())
    if event is None:
        f.fail("event", "应为 查封、解封、抵押、抵押注销、行政限制、解除限制 之一（或 seize、release、mortgage、"
               "discharge、restrict、unrestrict）")  # fmt: skip
    document = f.text("document_no", 64)
    lifts = f.ident("lifts", required=event is not None and event[1] == "lift")
    if event is not None and event[1] == "impose" and lifts is not None:
        f.fail("lifts", "只有解封、注销、解除记录可以写解除业务号")
    code = f.text("house_code", 23)
    authority = f.text("authority", 80)
    starts = f.day("starts_on", today)
    ends = f.day("ends_on", date.max, required=False)
    if event is not None and event[1] == "lift" and ends is not None:
        f.fail("ends_on", "解除记录没有截止日期")
    if starts is not None and ends is not None and ends <= starts:
        f.fail("ends_on", "应晚于起始日期")
    if f.errors or record_id is None or event is None or starts is None:
        return f.errors
    return RestrictionIn(raw.line, record_id, event[0], event[1], document, lifts, code, authority, starts, ends)
