"""The exchange's tables: feed batches, their records' keys and the dead-letter list, the outbox and
its deliveries, the catalogue's quality measures and retention runs (each added with its capability)."""

from __future__ import annotations
