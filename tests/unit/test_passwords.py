"""The password policy: length, three character classes, not the username, and zxcvbn's estimate."""

from __future__ import annotations

import pytest

from anju.core.errors import ValidationError
from anju.security.cli import DEMO_PASSWORD
from anju.security.passwords import WEAK, check_policy
from tests.accounts import PASSWORD


def refusal(
    password: str, username: str = "zhangsan", field: str = "password", user_inputs: tuple[str, ...] = ()
) -> str | None:
    try:
        check_policy(password, username, 10, field=field, user_inputs=user_inputs)
    except ValidationError as e:
        assert len(e.errors) == 1
        return f"{e.errors[0].field}: {e.errors[0].reason}"
    return None


#: 128 characters (the most allowed); zxcvbn judges the first 72 and must not fail on the rest.
LONG = ("Tq7#" + "-".join(["violet", "harbor", "quartz", "mango", "ember", "lantern", "pebble", "sparrow"] * 3))[:128]


@pytest.mark.parametrize(
    "password",
    [
        "Password1!",  # the finding: all four classes, and the most common password there is
        "P@ssw0rd123",
        "Qwerty123!",
        "Aa123456!!",
        "Abc@123456",
        "Admin@123456",
        "Woaini1314!",  # 我爱你一生一世
        "1qaz@WSX3edc",  # the keyboard column of Chinese password lists
        "Qq123456789!",
        "Nanjing@2024",
        "Aa1!" + "q" * 124,  # a repeat, however long
    ],
)
def test_common_passwords_are_refused_naming_the_field(password: str) -> None:
    reason = refusal(password)
    assert reason is not None and reason.startswith("password: 密码过于常见"), reason


@pytest.mark.parametrize(
    "password", ["xK9#mQ2!vLp7", "Strong-Horse-42!", "晴川-Bridge-7719", PASSWORD, DEMO_PASSWORD, LONG]
)
def test_strong_passwords_and_the_fixed_ones_of_tests_and_demo_pass(password: str) -> None:
    assert refusal(password) is None


def test_the_other_rules_keep_their_own_messages() -> None:
    assert refusal("Aa1!short") == "password: 密码至少 10 位"
    assert refusal("Aa1!" + "x" * 125) == "password: 密码最多 128 位"
    assert refusal("alllowercase-words") == "password: 密码须包含大写字母、小写字母、数字、符号中的至少三类"
    assert refusal("Zhangsan-Kx9!q", username="zhangsan") == "password: 密码不能包含用户名"
    assert refusal("Password1!", field="new_password") == "new_password: " + WEAK


def test_the_persons_own_values_count_as_guessable_words() -> None:
    """Registration passes the identity number and phone: a password built on them is weak."""
    own = "Kq#320102199003070017"
    assert refusal(own) is None
    assert refusal(own, user_inputs=("320102199003070017", "13987654321")) is not None
