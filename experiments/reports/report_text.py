"""The words of ``report.md``: templates kept together so they can be read and reviewed in
one place (and translated) apart from the code that fills them in."""

INTRO = """# Comparison report: {scenarios}

- **Population**: {population}.
- **Horizon**: {weeks} weeks of policy (week 0: the policy starts), after {warmup} weeks of
  warm-up under the status quo.
- **Replicates**: {reps} per scenario; replicate i of every scenario has the same people on the
  same network (common random numbers), so each comparison is paired replicate by replicate.
- **Seed**: {seed} (the same scenarios and seed give identical results).
- **Baseline**: **{baseline}**; every other scenario is compared with it.

**How to read it.** A difference is scenario minus {baseline}, in the metric's own units
(WEMWBS points, GBP, hours), with its 95% confidence interval across paired replicates
(t-interval). A level, a scenario's own mean, has its 95% t-interval cut at the metric's
range: a count or a cost is never given a negative bound (the true mean is inside the range,
so the cut loses nothing). "End" is the mean of each run's last
{end} weeks (cumulative cost: its last week); "early" is weeks {early}. What the model does is
described in coprod's `docs/ODD.md`."""
SCENARIOS = """## Scenarios

What each scenario does: its main policy levers ({which}) and any other lever that differs
from {baseline}'s. A timeline changes levers from the week given.

{rows}"""
HEADLINES = "## Headlines"
HEADLINE = (
    "**{s}.** Against {baseline}, {s} {wellbeing}: {wb_verdict}. It {dependence}: "
    "{dep_verdict}. It {cost} over {weeks} weeks; break-even: {break_even}; cost per WEMWBS "
    "point: {per_point}. The wellbeing of the worst-off tenth (10th percentile) {p10}."
)
TESTS = """## Headline tests at the end

{tested}

*d_z* is the mean paired difference over the standard deviation of the paired differences:
how consistently a scenario differs from {baseline} replicate by replicate. It is not Cohen's d,
which divides by the spread of the outcome itself: common random numbers make the differences
steady, so d_z is large even for a small effect. Read the size of an effect from the difference
in natural units and the minimal important differences below.

| scenario | metric | paired difference (95% CI) | d_z | p | Holm p |
| --- | --- | --- | --- | --- | --- |
{rows}

![paired differences](figures/forest.png)"""
TESTED = (
    "{n} two-sided Wilcoxon signed-rank tests ({k} headline metrics x {m} scenario(s)); no "
    "other metric is tested. With {pairs} pairs the smallest attainable p is {p_min:.3g}. "
    "Holm's correction is applied within each scenario's headline metrics, not across "
    "scenarios. Identical arms get p = 1."
)
TOO_FEW = (
    "**No test can reach 5% with {pairs} paired replicate(s)**: the smallest two-sided p a "
    "Wilcoxon signed-rank test of {pairs} differences can give is {p_min:.3g} (every difference "
    "of one sign), so no p is shown and nothing is called significant. Judge the differences "
    "by their 95% CIs, or run 6 replicates or more (10 recommended) for tests."
)
MID_AND_COST = """## Minimal important differences

"No gain" means the upper bound of the 95% CI of the paired gain is below the minimal important
difference (MID: 1 WEMWBS point = 0.018 wellbeing; 0.02 dependence); a non-significant test is
never read as no gain.

| scenario | wellbeing gain, WEMWBS points | verdict | dependence reduction | verdict |
| --- | --- | --- | --- | --- |
{mid}

## Cost

Paired difference in cumulative cost at week {weeks} (GBP {unit}); break-even: the first week
from which the mean cumulative cost stays below {baseline}'s; cost per WEMWBS point gained at
the end ("dominant": cheaper and better).

| scenario | cost difference (95% CI) | break-even | WEMWBS gain (95% CI) | cost per point |
| --- | --- | --- | --- | --- |
{cost}

![cumulative cost](figures/cumulative_cost.png)"""
SURVEY = """## Survey at week {week}

Participants are people who gave or received community hours (under a time bank, its members),
as in the Spice evaluation of the Cardiff time bank. Shares are pooled over replicates, so n
counts people x replicates. "Same people under {baseline}" are the same participants (same
replicate and agent_id) in the {baseline} run: how many would have "improved" anyway
(regression to the mean), which a real evaluation cannot see. Questions: {questions}.

| scenario | group | n | {header} |
| --- | --- | --- | {rules} |
{rows}

For reference, the Spice evaluation reported 71% better quality of life, 50% healthier, 22%
less social care, 20% fewer doctor visits (a calibration target: docs/ODD.md section 1)."""
NO_SURVEY = """## Survey

No survey: the runs stop at week {weeks}, before the survey week ({survey_week}). Run at
least {survey_week} weeks (`--steps`) to compare with the Spice evaluation."""
SUBGROUPS = """## Subgroups: end wellbeing by quartile at week 0

Users are split into quartiles within each run at week 0 (the same people in every scenario of
a replicate); "end" is each run's last snapshot week. The {baseline} row is its mean wellbeing
in WEMWBS points; other rows are the paired difference from {baseline} in WEMWBS points (95%
CI). The figures show whole distributions of individuals, the worst-off included."""
BASE = """Every scenario rests on the base file `{base}` (`--base`): its mechanism values replace
the defaults in every arm, so the arms still differ in policy only."""
WORLD = """**{scenario} differs from {baseline} in more than policy:** {keys}. These are not
policy levers: its week-0 people differ from {baseline}'s and its differences below mix another
world with another policy. To compare policies in one world, give every scenario the same
values (`coprod compare --base FILE` or `--set`)."""
CAVEATS = """## Caveats

- {horizon}
- Costs are GBP at {price_year} prices, from the NHS and social care perspective (professional
  hours, A&E and admissions, GP contacts, time-bank brokerage, recruitment; community members'
  time is unpaid and not costed); cost basis {cost_basis}; discount rate {discount_rate} a year
  (HM Treasury Green Book: 0.035). Cost per WEMWBS point divides the whole horizon's cost by the
  wellbeing difference at the end: a point held at the end, not point-years, and not a QALY.
- {reps} replicate(s) per scenario{no_ci}; {n_tests} hypothesis tests in all. CIs describe
  simulation noise for this population and these parameters, not uncertainty about them.
- Parameter defaults are mostly assumptions (docs/ODD.md section 14 gives each one's source);
  the results are sensitive to plan_rate, plan_time_factor, unreciprocated_share, professional
  hours and recognition_none (docs/ODD.md section 11). A sensitivity analysis, not this
  report, says how robust they are."""
SHORT = (
    "**The horizon is {weeks} weeks, under a year: this misleads.** Co-production's effects "
    "build up while cuts bite fast.{overlap}"
)
LONG = (
    "The horizon is {weeks} weeks; co-production's effects build up while cuts bite fast, "
    "so another horizon may tell another story."
)
OVERLAP = " The early and end windows overlap."
