"""Temporary: the names :mod:`anju.security.policy` (owned by the lead during issue 16) still imports
from here. The services live in ``callers``, ``audit``, ``users``, ``signin``, ``keys`` and
``ratelimit``; once policy.py imports from those, delete this module."""

from anju.security.audit import record_now
from anju.security.callers import Caller, Security
from anju.security.ratelimit import RateLimiter
from anju.security.signin import cached_caller, resolve

__all__ = ["Caller", "RateLimiter", "Security", "cached_caller", "record_now", "resolve"]
