"""The synthetic city generator."""

from anju.synth.city import SynthReport, generate
from anju.synth.credit import CreditReport, generate_credit
from anju.synth.demo_market import attach_demo_accounts, demo_credit_events
from anju.synth.estates import EstatesReport, generate_estates
from anju.synth.market import MarketReport, generate_market
from anju.synth.people import PeopleReport, generate_people
from anju.synth.renewal import RenewalReport, generate_renewal
from anju.synth.rental import RentalReport, generate_rental
from anju.synth.safety import generate_safety
from anju.synth.safety import summary as safety_summary

__all__ = [
    "CreditReport",
    "EstatesReport",
    "MarketReport",
    "PeopleReport",
    "RenewalReport",
    "RentalReport",
    "SynthReport",
    "attach_demo_accounts",
    "demo_credit_events",
    "generate",
    "generate_credit",
    "generate_estates",
    "generate_market",
    "generate_people",
    "generate_renewal",
    "generate_rental",
    "generate_safety",
    "safety_summary",
]
