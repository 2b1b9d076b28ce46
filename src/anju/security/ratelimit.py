"""Rate limits per client address."""

from __future__ import annotations


class RateLimiter:
    """Moving-window limits per client address, in process memory (``limits`` library)."""

    def __init__(self) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self._parse = parse
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, rule: str, bucket: str, key: str) -> bool:
        return bool(self._limiter.hit(self._parse(rule), bucket, key))
