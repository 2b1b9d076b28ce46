"""The synthetic city generator."""

from anju.synth.city import SynthReport, generate
from anju.synth.people import PeopleReport, generate_people
from anju.synth.rental import RentalReport, generate_rental

__all__ = ["PeopleReport", "RentalReport", "SynthReport", "generate", "generate_people", "generate_rental"]
