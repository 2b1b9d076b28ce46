"""The plan context's tables (none yet: the loaded plan editions and the reported figures come next)."""

from __future__ import annotations
