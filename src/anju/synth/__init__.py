"""The synthetic city generator."""

from anju.synth.city import SynthReport, generate

__all__ = ["SynthReport", "generate"]
