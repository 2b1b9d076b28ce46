"""Every internal code a person sees has a Chinese name (issue 25): the audit actions the code records,
the object types, and the permissions the contexts declare."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from anju.contexts import CONTEXTS
from anju.security.vocabulary import action_label, entity_label, permission_label

SRC = Path(__file__).resolve().parents[2] / "src" / "anju"
AUDITING = {"audited", "record", "record_now", "audited_command", "audited_job", "audited_grouped"}
ACTION = re.compile(r"^[a-z]+(\.[a-z_]+)+$")
LATIN = re.compile(r"[A-Za-z]")


def recorded() -> tuple[set[str], set[str]]:
    """(actions, object types) passed as string literals to the audit functions anywhere in the code."""
    actions: set[str] = set()
    entities: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name not in AUDITING:
                continue
            literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            actions |= {v for v in literals if ACTION.match(v)}
            entities |= {v for v in literals if re.fullmatch(r"[a-z_]+", v)}
            for k in node.keywords:
                if k.arg == "entity" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                    entities.add(k.value.value)
    return actions, entities


def test_every_recorded_action_and_object_type_has_a_chinese_name():
    actions, entities = recorded()
    assert len(actions) > 80 and "rental.lease.sign" in actions  # the scan finds what it should
    assert sorted(a for a in actions if LATIN.search(action_label(a))) == []
    assert sorted(e for e in entities if LATIN.search(entity_label(e))) == []


def test_every_declared_permission_has_a_chinese_name():
    declared = {p for c in CONTEXTS for p in c.permissions}
    assert sorted(p for p in declared if LATIN.search(permission_label(p))) == []


def test_an_unknown_code_is_shown_as_it_is():
    assert action_label("nobody.knows") == "nobody.knows" and entity_label(None) == ""
