"""Password hashing (argon2id, RFC 9106 parameters from settings) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from anju.core.errors import ValidationError
from anju.core.settings import Settings

#: A few passwords every attacker tries first; the length and class rules catch most of the rest.
COMMON = frozenset(
    {
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "11111111",
        "88888888",
        "abc12345",
        "admin123",
        "iloveyou",
        "woaini1314",
        "a1234567",
        "aa123456",
        "qq123456",
        "5201314520",
    }
)


def hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def check_policy(password: str, username: str, min_length: int, field: str = "password") -> None:
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
    if password.lower() in COMMON or (username and username.lower() in password.lower()):
        raise ValidationError.of(field, "密码过于常见或包含用户名")


def verify(ph: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return bool(ph.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: A hash to verify against when the account does not exist, so timing does not reveal usernames.
def dummy_hash(ph: PasswordHasher) -> str:
    return ph.hash("not-a-real-password-Aa1!")
