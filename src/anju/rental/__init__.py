"""Rental supervision service platform (住房租赁监管服务平台): people, homes and money.

Parties (enterprises, agencies, practitioners) and entrustments; listing publication and verification;
online signing and filing of leases; rent escrow; guidance rents and monitoring; complaints and
inspections. Other contexts use only what this module exports.
"""

from anju.rental import domain

__all__ = ["domain"]
