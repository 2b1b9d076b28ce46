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

    def test(self, rule: str, bucket: str, key: str) -> bool:
        """Whether one more hit would be allowed (counts nothing)."""
        return bool(self._limiter.test(self._parse(rule), bucket, key))

    def retry_after(self, rule: str, bucket: str, key: str) -> int:
        """Whole seconds until the window lets one more hit through (at least 1)."""
        import math
        import time

        reset, _remaining = self._limiter.get_window_stats(self._parse(rule), bucket, key)
        return max(1, math.ceil(reset - time.time()))
