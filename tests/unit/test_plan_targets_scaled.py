"""The plan's targets scaled to a synthetic city (issue 25: the demo's figures must not look like
failures): counts of the plan scale, rates and the population do not, the result says it was scaled
(pure, no database)."""

from __future__ import annotations

from anju.assistance import plan_targets
from anju.plan import shipped


def test_counts_scale_rates_do_not_and_the_result_is_labelled():
    population = plan_targets.Population(9000, {"320102": 800}, 2024, True)
    t = plan_targets.targets_from_plan(shipped("320100")[0], population)
    s = t.scaled(0.01)
    assert t.scaled_by is None and s.scaled_by == 0.01
    # the population is the synthetic city's own (street database): not scaled
    assert (s.population, s.district_population) == (9000, {"320102": 800})
    assert s.supply_total == round(t.supply_total * 0.01) and s.talent_beneficiaries == round(200_000 * 0.01)
    assert s.supply_by_year == {y: round(n * 0.01) for y, n in t.supply_by_year.items()}
    assert [p.homes for p in s.programmes] == [round(p.homes * 0.01) for p in t.programmes]
    assert s.talent_homes_by_district == {k: round(v * 0.01) for k, v in t.talent_homes_by_district.items()}
    assert (s.coverage_percent, s.previous_coverage_percent) == (t.coverage_percent, t.previous_coverage_percent)
    assert s.as_dict()["scaled_by"] == 0.01 and t.as_dict()["scaled_by"] is None
