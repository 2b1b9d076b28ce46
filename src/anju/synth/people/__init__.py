"""Owners (产权人) and housing-assistance history of the synthetic Nanjing.

Run after :func:`anju.synth.generate` on the same database. Everything is fictional and deterministic
for a seed (except the ciphertexts: SM4-GCM takes a fresh nonce per value):

* **owners** of the homes that exist (status 使用 or 现房): most residential homes one person, some
  two (50/50), some an organisation, a few nobody; some persons own several homes (investors); a few
  homes were sold (the seller's row carries ``released_on``). Resident IDs are valid GB 11643 numbers
  (region codes valid in the birth year, as python-stdnum checks them), organisations have valid GB
  32100 codes; identifiers and names are stored encrypted, with blind indexes;
* **assisted homes** (保障房源) of the five home programmes, in whole estates, in proportion to the
  plan's targets × scale;
* **applications** from 2021 to today, simulated day by day through the review flow the services
  implement (check at submission, review levels with deadlines, returns, rejections, public notice,
  objections, approval), lotteries per programme twice a year with the published algorithm
  ``anju-lottery-v1``, allocations, benefits and exits. The eligibility explanation stored with an
  application is :func:`anju.assistance.evaluate` of the household on the day it was checked, with
  the facts the database holds about its members on that day (owned homes, benefits, credit events),
  so a fresh check of the same day gives the same answer.

Memory is bounded by the scale's in-flight state (waiting lists, the assisted homes, a sample of
owners who later apply), not by the rows written: rows stream through the bulk path in batches.
"""

from anju.synth.people.generator import PeopleGenerator, generate_people
from anju.synth.people.model import HOMES_AT_FULL_SCALE, PeopleReport, Person, facts_on

__all__ = ["HOMES_AT_FULL_SCALE", "PeopleGenerator", "PeopleReport", "Person", "facts_on", "generate_people"]
