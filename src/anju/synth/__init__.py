"""The synthetic city generator."""

from anju.synth.city import SynthReport, generate
from anju.synth.people import PeopleReport, generate_people

__all__ = ["PeopleReport", "SynthReport", "generate", "generate_people"]
