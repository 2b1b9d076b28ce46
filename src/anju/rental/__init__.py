"""Rental supervision service platform (住房租赁监管服务平台): people, homes and money.

Parties (enterprises, agencies, practitioners) and entrustments; listing publication and verification;
online signing and filing of leases; rent escrow; guidance rents and monitoring; complaints and
inspections. Other contexts use only what this module exports.
"""

from anju.rental import domain
from anju.rental.parties import party_for_account
from anju.rental.retention import pseudonymise_closed
from anju.rental.tables import (
    rental_entrustments,
    rental_leases,
    rental_listings,
    rental_parties,
    rental_practitioners,
    rental_units,
)

#: Tables that bulk loaders (the synthetic city) write through core.dialect.bulk_insert.
BULK_TABLES = (rental_parties, rental_practitioners, rental_entrustments, rental_units, rental_listings, rental_leases)

__all__ = [
    "BULK_TABLES",
    "domain",
    "party_for_account",
    "pseudonymise_closed",
    "rental_entrustments",
    "rental_leases",
    "rental_listings",
    "rental_parties",
    "rental_practitioners",
    "rental_units",
]
