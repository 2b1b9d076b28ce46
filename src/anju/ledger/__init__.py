"""The verifiable append-only log: RFC 6962 / RFC 9162 Merkle trees, proofs and signed tree heads.

Other contexts append the records the plan names (credit, escrow, maintenance funds) through
:func:`append` and use only what this module exports.
"""

from anju.ledger import merkle
from anju.ledger.heads import Ed25519Signer, SignedTreeHead, Signer, TreeHead, signer_from_seed

__all__ = [
    "Ed25519Signer",
    "SignedTreeHead",
    "Signer",
    "TreeHead",
    "merkle",
    "signer_from_seed",
]
