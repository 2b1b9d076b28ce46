"""The log's signing key as configured: the signer of the head route and the public key that pages
publish (the citizen's in-browser check verifies heads with it, docs/ledger.md)."""

from __future__ import annotations

from anju.core.settings import Settings
from anju.ledger.heads import Signer, SigningKeyMissing, signer_from_seed
from anju.security import development_secret


def configured_signer(settings: Settings) -> Signer:
    """The signer of ``ANJU_LEDGER_SIGNING_KEY`` (a development data folder's generated one in
    development); :class:`SigningKeyMissing` (503) when none is configured."""
    key = settings.ledger_signing_key
    return signer_from_seed(key.get_secret_value() if key else development_secret(settings, "ledger_signing_key"))


def published_key(settings: Settings) -> str | None:
    """The public key (hex) that verifies the log's heads, or None when no key is configured."""
    try:
        return configured_signer(settings).public_key_hex
    except SigningKeyMissing:
        return None
