"""The verifiable append-only log: RFC 6962 / RFC 9162 Merkle trees, proofs and signed tree heads.

Other contexts append the records the plan names (credit, escrow, maintenance funds) with
:func:`append` inside their own write transaction, and use only what this module exports.

Only :mod:`merkle` (stdlib) is imported eagerly: the rest loads on first use, so that the stand-alone
verifiers (``anju ledger verify-*``) import no database or web module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anju.core.lazy import lazy_exports
from anju.ledger import merkle

if TYPE_CHECKING:
    from anju.ledger.check import LogCheck, Problem, check_log
    from anju.ledger.domain import ConsistencyProof, Entry, EntryTampered, InclusionProof, Log
    from anju.ledger.heads import Ed25519Signer, SignedTreeHead, Signer, TreeHead, published_key, signer_from_seed
    from anju.ledger.services import (
        after_bulk_load,
        append,
        consistency_proof,
        create_log,
        current_signed_head,
        entries,
        entry,
        get_log,
        inclusion_proof,
        inclusion_proofs,
        latest_signed_head,
        list_logs,
        lock_log,
        sign_head,
        tree_head,
    )

if not TYPE_CHECKING:  # type checkers read the imports above; they must not see a catch-all hook
    __getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "ConsistencyProof",
    "Ed25519Signer",
    "Entry",
    "EntryTampered",
    "InclusionProof",
    "Log",
    "LogCheck",
    "Problem",
    "SignedTreeHead",
    "Signer",
    "TreeHead",
    "after_bulk_load",
    "append",
    "check_log",
    "consistency_proof",
    "create_log",
    "current_signed_head",
    "entries",
    "entry",
    "get_log",
    "inclusion_proof",
    "inclusion_proofs",
    "latest_signed_head",
    "list_logs",
    "lock_log",
    "merkle",
    "published_key",
    "sign_head",
    "signer_from_seed",
    "tree_head",
]
