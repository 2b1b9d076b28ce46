"""Who is calling: the :class:`Caller` of a request or job, and :class:`Security`, the per-process
security state (settings, keys, password hasher, the scope cache and the session cache)."""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Connection, event

from anju import divisions
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.security import passwords
from anju.security.crypto import Keyring, keyring_from_settings
from anju.security.domain import PUBLIC_ROLES, STAFF_ROLES, Role, allowed


@dataclass(frozen=True)
class Caller:
    """The authenticated (or anonymous) party of a request or job, with its data scope."""

    account_id: int | None
    username: str
    role: Role | None
    division_code: str | None
    scope: Scope
    session_id: int | None = None
    session_kind: str | None = None
    csrf_token: str | None = None
    ip: str | None = None
    request_id: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.account_id is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def can(self, permission: str) -> bool:
        """Whether the caller's role holds ``permission`` (pages show or hide actions with it)."""
        return allowed(self.role, permission)

    @classmethod
    def anonymous(cls, ip: str | None = None, request_id: str | None = None) -> Caller:
        return cls(None, "anonymous", None, None, Scope.nothing(), ip=ip, request_id=request_id)

    @classmethod
    def system(cls, job: str) -> Caller:
        return cls(None, f"system:{job}", None, None, Scope.whole_city())


class Security:
    """Per-process security state: settings, keys, the password hasher and the scope cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keyring: Keyring = keyring_from_settings(settings)
        self.hasher: PasswordHasher = passwords.hasher(settings)
        self._dummy: str | None = None
        self._scopes: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()
        #: token hash → (monotonic time cached, caller, session expiry, last seen)
        self._sessions: dict[str, tuple[float, Caller, datetime, datetime]] = {}
        _CACHES.add(self)

    def cached_session(self, key: str) -> tuple[Caller, datetime, datetime] | None:
        ttl = self.settings.session_cache_seconds
        hit = self._sessions.get(key) if ttl > 0 else None
        if hit is None or time.monotonic() - hit[0] > ttl:
            return None
        return hit[1], hit[2], hit[3]

    def cache_session(self, key: str, caller: Caller, expires_at: datetime, last_seen: datetime) -> None:
        if self.settings.session_cache_seconds > 0:
            with self._lock:
                if len(self._sessions) > 10_000:
                    self._sessions.clear()
                self._sessions[key] = (time.monotonic(), caller, expires_at, last_seen)

    def forget_sessions(self) -> None:
        with self._lock:
            self._sessions.clear()

    @property
    def dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = passwords.dummy_hash(self.hasher)
        return self._dummy

    def streets_of(self, conn: Connection, code: str) -> frozenset[str]:
        """The street codes inside a district/zone (cached: divisions change rarely, and by migration)."""
        hit = self._scopes.get(code)
        if hit is None:
            kids = divisions.children(conn, code, "street", limit=100_000).items
            # A street managed by a functional zone (江北新区) belongs to the zone's scope, not its legal district's.
            hit = frozenset(k.code for k in kids if k.managing_code in (None, code))
            with self._lock:
                self._scopes[code] = hit
        return hit

    def scope_for(
        self, conn: Connection, account_id: int, role: Role, division_code: str | None, org_code: str | None = None
    ) -> Scope:
        """The data scope of an account: its own records (with its enterprise's, for enterprise staff), or
        the streets of its division."""
        if role in PUBLIC_ROLES:
            return Scope.own(account_id, org_code)
        if division_code is None:
            return Scope.nothing()
        if len(division_code) == 9:
            return Scope.of_streets("street", division_code, [division_code])
        if division_code == self.settings.city_code:
            return Scope.whole_city(division_code)
        return Scope.of_streets("district", division_code, self.streets_of(conn, division_code))


_CACHES: weakref.WeakSet[Security] = weakref.WeakSet()


def forget_sessions() -> None:
    """Drop every cached session in this process (after a sign-out, a role change, a disabled account)."""
    for sec in list(_CACHES):
        sec.forget_sessions()


def forget_sessions_after_commit(conn: Connection) -> None:
    """Drop cached sessions now and once more when ``conn``'s transaction commits: a request resolved
    between the two (still seeing the old row) cannot leave a stale session in the cache."""
    forget_sessions()
    event.listen(conn, "commit", lambda _c: forget_sessions(), once=True)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
