"""The variations of the noisy-address generator: their names and rates, which ones conflict, and
the tables they draw on (Chinese numerals, traditional characters, homophone and look-alike typos).

Pure: no database. :mod:`anju.addresses.noisy` draws the records, :mod:`anju.addresses.noisy_writer`
writes them.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Protocol

from pypinyin import lazy_pinyin

from anju.addresses.parser import estate_key

# -- variation names --------------------------------------------------------------------------------
DROP_CITY = "drop_city"
ADD_PROVINCE = "add_province"
DROP_DISTRICT = "drop_district"
FORMER_DISTRICT = "former_district"
ZONE_FOR_DISTRICT = "zone_for_district"
ZONE_AFTER_DISTRICT = "zone_after_district"
ADD_STREET = "add_street"
FORMER_ROAD = "former_road"
FULLWIDTH = "fullwidth_digits"
CN_NUMERALS = "chinese_numerals"
BUILDING_WORD = "building_word"
BUILDING_DI = "building_di"
SHORTHAND = "hyphen_shorthand"
UNIT_ONE = "unit_one"
UNIT_WORD_DROPPED = "unit_word_dropped"
FLOOR = "floor_explicit"
POSITION = "position_suffix"
PHONE = "phone"
BRACKET = "bracket_note"
XIAOQU = "estate_xiaoqu"
SPACES = "spaces"
TRADITIONAL = "traditional"
HOMOPHONE = "estate_homophone"
SIMILAR = "estate_similar_char"
DROP_ROAD = "drop_road"
DROP_ESTATE = "drop_estate"
# only in underspecified records
UNDERSPECIFIED = "underspecified"
DROP_UNIT = "drop_unit"
DROP_BUILDING = "drop_building"
AMBIGUOUS_IN_REGISTER = "ambiguous_in_register"  # even the full address names several estates
NO_HOME_ROOM = "no_home:room"
NO_HOME_BUILDING = "no_home:building"
NO_HOME_ESTATE = "no_home:estate"

#: Probability of each variation for a record it applies to (former names only where the place has
#: one, the zone only in its districts, unit forms by the building's units, …), drawn independently;
#: on average a record gets about two. Where two drawn variations conflict, the first in a random
#: order wins, and an identity variation is dropped where the rest would no longer name one estate.
RATES: dict[str, float] = {
    DROP_CITY: 0.25,
    ADD_PROVINCE: 0.08,
    DROP_DISTRICT: 0.10,
    FORMER_DISTRICT: 0.12,
    ZONE_FOR_DISTRICT: 0.15,
    ZONE_AFTER_DISTRICT: 0.08,
    ADD_STREET: 0.10,
    FORMER_ROAD: 0.35,
    FULLWIDTH: 0.07,
    CN_NUMERALS: 0.07,
    BUILDING_WORD: 0.18,
    BUILDING_DI: 0.06,
    SHORTHAND: 0.14,
    UNIT_ONE: 0.10,
    UNIT_WORD_DROPPED: 0.10,
    FLOOR: 0.08,
    POSITION: 0.05,
    PHONE: 0.05,
    BRACKET: 0.05,
    XIAOQU: 0.06,
    SPACES: 0.08,
    TRADITIONAL: 0.03,
    HOMOPHONE: 0.05,
    SIMILAR: 0.03,
    DROP_ROAD: 0.18,
    DROP_ESTATE: 0.08,
}

#: Variations that cannot go together (symmetric).
_CONFLICTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DROP_CITY, (ADD_PROVINCE,)),
    (DROP_DISTRICT, (FORMER_DISTRICT, ZONE_FOR_DISTRICT, ZONE_AFTER_DISTRICT)),
    (FORMER_DISTRICT, (ZONE_FOR_DISTRICT, ZONE_AFTER_DISTRICT)),
    (ZONE_FOR_DISTRICT, (ZONE_AFTER_DISTRICT,)),
    (DROP_ROAD, (DROP_ESTATE, FORMER_ROAD)),
    (DROP_ESTATE, (XIAOQU, HOMOPHONE, SIMILAR)),
    (HOMOPHONE, (SIMILAR,)),
    (SHORTHAND, (BUILDING_WORD, BUILDING_DI, CN_NUMERALS, FLOOR, UNIT_ONE, UNIT_WORD_DROPPED)),
    (FLOOR, (UNIT_WORD_DROPPED,)),
)


def _conflict_table() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {name: set() for name in RATES}
    for a, bs in _CONFLICTS:
        for b in bs:
            out[a].add(b)
            out[b].add(a)
    return {k: frozenset(v) for k, v in out.items()}


CONFLICTS = _conflict_table()
ORDER = {v: i for i, v in enumerate(RATES)}
#: Variations that change which parts identify the estate (checked against the register).
IDENTITY = frozenset({DROP_DISTRICT, ZONE_FOR_DISTRICT, DROP_ROAD, DROP_ESTATE})
#: Variations a no-home record may get (none that weakens what it names).
NO_HOME_ALLOWED = frozenset(RATES) - {DROP_DISTRICT, ZONE_FOR_DISTRICT, DROP_ESTATE, DROP_ROAD, HOMOPHONE, SIMILAR}
#: Relative frequency of the kinds of no-home record (among those a home allows).
NO_HOME_WEIGHTS = {NO_HOME_ROOM: 2.0, NO_HOME_BUILDING: 1.0, NO_HOME_ESTATE: 1.0}

_CN_DIGITS = "零一二三四五六七八九"

# Characters a typo never introduces: structural words, numerals, position and note words.
_FORBIDDEN = frozenset(
    "路街巷弄道区县镇号幢栋楼室层单元座期户房村社居委会第零〇○一二两三四五六七八九十百千"
    "附近对面旁边隔壁门口下后侧带周斜正省市小电话手机"
)
# Common characters among which homophones are looked for (plus every character of the estates).
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
    "气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活"
    "设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
    "任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美"
    "再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元"
    "况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委"
    "素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江"
    "型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞园苑庭居邸佳雅景湖城"
    "村阳翠绿春秋香兰梅桃荷枫云锦福康乐幸泰润泽滨岸凤凰麒麟紫陵钟秦淮莫愁凉栖霞牙鹭仙郊澜杏樟银薇芳草聚"
    "源元员原圆缘远院愿苑媛垣沅湾万晚碗宛婉挽皖玩丸庭廷亭停婷霆挺佳家加嘉夹甲价假嫁驾架华花化画话划滑桦"
    "骅居局菊橘举巨聚俱句具据惧府富付副复赋傅腐妇符福服浮扶夫肤孚芙雅亚压鸭牙芽涯哑讶轩宣萱喧玄选悬旋"
)
# Visually similar characters (形近字) for the estate-name typo.
_SIMILAR: dict[str, str] = dict(
    zip(
        "园苑庭佳雅居邸湖金陵翠屏城凤凰林栖霞锦绣澜阳光春秋桃亭御朝新家润泽滨岸明麒麟紫银杏樟荷塘薇芳云福聚安康幸月牙白天石莫清凉梅名寓华里府",
        "圆宛延住鸦局抵胡全凌萃平域风皇材牺暇绵锈斓阴先舂秒挑亮卸潮亲冢闰择宾岩朋骐鳞柴很呆漳何唐微劳去幅娶按庚辛用芽自夭右奠请谅海各遇毕理符",
        strict=True,
    )
)


# -- numerals ---------------------------------------------------------------------------------------
def cn_integer(n: int) -> str:
    """0 ≤ n < 10000 in Chinese numerals as read aloud: 12 → 十二, 502 → 五百零二, 1010 → 一千零一十."""
    if not 0 <= n < 10_000:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out.append("零")
            out.append(_CN_DIGITS[digit] + unit)
            zero = False
        else:
            zero = True
    return "".join(out)


def cn_digits(s: str, zero: str = "〇") -> str:
    """Digit by digit: 502 → 五〇二."""
    return "".join(zero if c == "0" else _CN_DIGITS[int(c)] for c in s)


# -- typo tables ------------------------------------------------------------------------------------
@cache
def _homophone_groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for c in dict.fromkeys(_COMMON):
        if c in _FORBIDDEN:
            continue
        groups.setdefault(lazy_pinyin(c)[0], []).append(c)
    return {k: tuple(v) for k, v in groups.items() if len(v) > 1}


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _s2t() -> _Converter:
    import opencc

    converter: _Converter = opencc.OpenCC("s2t")
    return converter


@lru_cache(maxsize=1 << 16)
def to_traditional(s: str) -> str:
    """OpenCC's simplified → traditional conversion (phrase-aware), cached: parts repeat a lot."""
    return str(_s2t().convert(s))


def typo_options(name: str, similar: bool) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where ``name`` can be misspelt: (position, replacements) with a homophone or a look-alike.

    Homophones share the toneless pinyin of the character as read in the name (长江: cháng), among a
    few hundred common characters; structural words and numerals are never written in or out.
    """
    readings = lazy_pinyin(name)
    aligned = len(readings) == len(name)
    groups = _homophone_groups()
    out: list[tuple[int, tuple[str, ...]]] = []
    for i, c in enumerate(name):
        if c in _FORBIDDEN:
            continue
        if similar:
            alt = _SIMILAR.get(c)
            options: tuple[str, ...] = (alt,) if alt else ()
        else:
            reading = readings[i] if aligned else lazy_pinyin(c)[0]
            options = tuple(x for x in groups.get(reading, ()) if x != c)
        if options:
            out.append((i, options))
    return tuple(out)


def typo_names(name: str, similar: bool, taken: set[str] | frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Every misspelling of ``name`` by one character (see ``typo_options``) whose key is not ``taken``."""
    out = []
    for i, options in typo_options(name, similar):
        for o in options:
            new = name[:i] + o + name[i + 1 :]
            if (estate_key(new) or new) not in taken:
                out.append(new)
    return tuple(out)
