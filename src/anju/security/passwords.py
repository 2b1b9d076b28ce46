"""Password hashing (argon2id, RFC 9106 parameters from settings) and the password policy (length,
character classes, and the zxcvbn strength estimate)."""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from anju.core.errors import ValidationError
from anju.core.settings import Settings

#: The zxcvbn score (0–4) a password must reach. 3 is zxcvbn's "safely unguessable": an estimated 10^8
#: guesses or more, beyond an online attack under the lock-out and rate limits, though not beyond an
#: offline attack on a stolen hash (argon2id makes each guess expensive there).
MIN_SCORE = 3
#: zxcvbn reads at most this many characters (a longer input raises); the policy allows up to 128.
ZXCVBN_MAX = 72
#: zxcvbn's dictionaries are English: words and patterns that top the leaked password lists of Chinese
#: sites (pinyin, love numbers, the 1qaz-2wsx keyboard column, site names) join them, so that
#: "Woaini1314!" or "1qaz@WSX3edc" rate as weak too.
CHINESE_COMMON = (
    "woaini",
    "aini",
    "1314",
    "520",
    "5201314",
    "woaini1314",
    "1qaz",
    "2wsx",
    "3edc",
    "1qaz2wsx",
    "qazwsx",
    "zxcvbnm",
    "qq",
    "admin",
    "nanjing",
    "zhongguo",
    "china",
    "beijing",
    "shanghai",
    "baidu",
    "taobao",
    "anju",
)


WEAK = "密码过于常见或容易被猜中（如常见单词加数字、键盘顺序、日期），请换用更长、更少规律的密码"


def hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def check_policy(
    password: str, username: str, min_length: int, field: str = "password", user_inputs: Sequence[str] = ()
) -> None:
    """Refuse a weak password, naming ``field``: too short or long, fewer than three character classes,
    containing the username, or guessable by zxcvbn's estimate (``user_inputs``: the account's other
    words, e.g. the name, which a guesser would try first)."""
    if len(password) < min_length:
        raise ValidationError.of(field, f"密码至少 {min_length} 位")
    if len(password) > 128:
        raise ValidationError.of(field, "密码最多 128 位")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        raise ValidationError.of(field, "密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        raise ValidationError.of(field, "密码不能包含用户名")
    # zxcvbn's estimate knows common passwords, words, names, keyboard patterns, dates, repeats and
    # l33t spellings, so "Password1!" fails although it has all four classes. Offline: its
    # dictionaries ship with the package.
    words = [*CHINESE_COMMON, *(u for u in (username, *user_inputs) if u)]
    if zxcvbn(password[:ZXCVBN_MAX], user_inputs=words)["score"] < MIN_SCORE:
        raise ValidationError.of(
            field, "密码过于常见或容易被猜中（如常见单词加数字、键盘顺序、日期），请换用更长、更少规律的密码"
        )


def verify(ph: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return bool(ph.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: A hash to verify against when the account does not exist, so timing does not reveal usernames.
def dummy_hash(ph: PasswordHasher) -> str:
    return ph.hash("not-a-real-password-Aa1!")
