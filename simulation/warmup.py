"""The warm-up: bring the status quo to rest before week 0 (MODEL.md section 10.1).

Under ``traditional`` agency relaxes with a time constant of about 113 weeks, trust about 52,
and burnout and wellbeing follow them over 150-230 weeks (fitted on a 10-year run from the
initial draws; docs/ODD.md section 5). Running that long before every run would cost several
times the run itself. So agency starts at its estimated balance
(``population.at_rest_in_care``), vacancies at theirs (``stationary_vacancies``), and the
first half of the warm-up runs with every relaxation rate of a slow state variable sped up
``warmup_speedup`` = K times, the second half at the true rates. A rate used as it is becomes
1 - (1 - r)^K (one week does what K weeks of that rate alone would do, and never
overshoots); a rate the model multiplies by a small factor becomes K x r (:data:`COMPOUNDED`,
:data:`SCALED`). Each rate closes a gap toward a balance point (agency lost in encounters
against agency recovered, trust gained against trust lost, motivation toward recognition,
burnout's rise against its recovery, wellbeing toward its target), so speeding them all
changes how soon the balance is reached, hardly where it lies; the exogenous events (need
noise, acute episodes) keep their true rates. The second half lets the fast variables (need,
wellbeing, burnout) settle on the slow ones and the larger steps' noise die away.
"""

from __future__ import annotations

from coprod.simulation.params import Params

#: Rates applied as they are (a share of a gap closed each week, or of trust lost at an
#: event): sped up by compounding, 1 - (1 - r)^K, exactly what K weeks of them alone do.
COMPOUNDED: tuple[str, ...] = (
    "agency_recovery",
    "burnout_recovery",
    "motivation_rate",
    "wellbeing_rate",
    "tokenism_trust_loss",
)
#: ``continuity_trust_loss`` is not sped up: the events it acts at (a new holder, a locum)
#: come K times as often in the sped-up half (vacancies are sped up), so the true loss per
#: event already closes trust's gap K times as fast. Compounding it as well made the loss
#: about 20 times faster against gains 5 times faster: trust left the fast half low and rose
#: by 0.03 over the next two years (version 1 too), lifting wellbeing in the status quo.
#: Rates the model multiplies by a factor well below 1 before use (trust, pressure, the
#: unserved share, s, contribution): sped up linearly, K x r, which for a small product is
#: what K weeks do (compounding the bare rate would undershoot: burnout settled 15% low).
SCALED: tuple[str, ...] = (
    "agency_loss_rate",
    "giving_agency_gain",
    "trust_gain_rate",
    "trust_unmet_loss",
    "burnout_rise",
)
SLOW_RATES = COMPOUNDED + SCALED


def accelerated(params: Params) -> Params:
    """The status quo with its slow rates sped up for the fast half of the warm-up.

    Vacancies are sped up with them (K times the leaving hazard, a K-th of the duration):
    a vacancy's unmet weeks must last as long against trust's clock as they do in life, or
    the sped-up trust would settle where it does not (measured: 0.81 against 0.72).
    """
    speedup = params.warmup_speedup
    rates = {name: 1.0 - (1.0 - getattr(params, name)) ** speedup for name in COMPOUNDED}
    rates |= {name: min(getattr(params, name) * speedup, 1.0) for name in SCALED}
    return params.model_copy(
        update={
            **rates,
            "turnover_annual": params.turnover_annual * speedup,
            "vacancy_weeks": max(round(params.vacancy_weeks / speedup), 1),
        }
    )


def fast_weeks(params: Params) -> int:
    """How many of the warm-up's weeks run sped up: the first half."""
    return params.warmup_weeks // 2
