"""The verifiable append-only log: RFC 6962 / RFC 9162 Merkle trees, proofs and signed tree heads.

Other contexts append the records the plan names (credit, escrow, maintenance funds) with
:func:`append` inside their own write transaction, and use only what this module exports.
"""

from anju.ledger import merkle
from anju.ledger.domain import ConsistencyProof, Entry, InclusionProof, Log
from anju.ledger.heads import Ed25519Signer, SignedTreeHead, Signer, TreeHead, signer_from_seed
from anju.ledger.services import (
    after_bulk_load,
    append,
    consistency_proof,
    create_log,
    current_signed_head,
    entry,
    get_log,
    inclusion_proof,
    latest_signed_head,
    list_logs,
    sign_head,
    tree_head,
)

__all__ = [
    "ConsistencyProof",
    "Ed25519Signer",
    "Entry",
    "InclusionProof",
    "Log",
    "SignedTreeHead",
    "Signer",
    "TreeHead",
    "after_bulk_load",
    "append",
    "consistency_proof",
    "create_log",
    "current_signed_head",
    "entry",
    "get_log",
    "inclusion_proof",
    "latest_signed_head",
    "list_logs",
    "merkle",
    "sign_head",
    "signer_from_seed",
    "tree_head",
]
