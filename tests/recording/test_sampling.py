"""Which iterations are recorded: the policy alone (sampling.py), with made-up costs."""

from __future__ import annotations

from glassgrad.recording.sampling import (
    AGE_FRACTION,
    ANOMALY,
    AUTO,
    BACKLOG,
    FIRST,
    INTERVAL,
    ROWS_PER_SECOND,
    SAMPLED_OUT,
    Sampler,
)


def run(sampler: Sampler, n: int, wall: float, own: float, rows: int,
        backlog: bool = False) -> list[int]:
    """Drive ``n`` iterations; plain ones take ``wall`` s, recorded ones ``wall + own``."""
    recorded = []
    for k in range(n):
        yes, _ = sampler.decide(k, False, lambda: backlog)
        if yes:
            recorded.append(k)
        sampler.finished(k, yes, wall + (own if yes else 0.0), own if yes else 0.0,
                         rows if yes else 0)
    return recorded


def test_first_iterations_then_a_fixed_interval():
    s = Sampler(record_first=3, sample_every=4)
    assert [s.decide(k) for k in range(12)] == [FIRST] * 3 + [
        INTERVAL, SAMPLED_OUT, SAMPLED_OUT, SAMPLED_OUT, INTERVAL, SAMPLED_OUT, SAMPLED_OUT,
        SAMPLED_OUT, INTERVAL]
    assert Sampler(record_first=1, sample_every=0).decide(5) == SAMPLED_OUT
    assert s.policy == "every 4" and Sampler().policy == "auto"


def test_auto_keeps_the_recorders_time_within_the_budget():
    s = Sampler(record_first=10, budget=0.02)
    # recording an iteration costs as much as the iteration itself
    recorded = run(s, 5000, wall=1e-3, own=1e-3, rows=10)
    assert recorded[:10] == list(range(10))
    later = [k for k in recorded if k >= 1000]
    gaps = {b - a for a, b in zip(later, later[1:])}
    assert min(gaps) >= 50  # 1 / 0.02
    overhead = len([k for k in recorded if k >= 10]) * 1e-3 / (4990 * 1e-3)
    assert overhead <= 0.025


def test_auto_limits_rows_per_second_and_widens_with_age():
    s = Sampler(record_first=0, budget=1.0)  # time is no object here
    recorded = run(s, 35_000, wall=1e-3, own=1e-6, rows=50_000)
    gaps = [b - a for a, b in zip(recorded, recorded[1:])]
    assert len(gaps) >= 2 and min(gaps) >= 50_000 / (ROWS_PER_SECOND * 1e-3)  # 10,000
    s = Sampler(record_first=0, budget=1.0)
    recorded = run(s, 100_000, wall=1e-4, own=0.0, rows=0)
    assert recorded[:5] == [0, 1, 2, 3, 4]  # cheap: every one early on
    tail = [k for k in recorded if k > 50_000]
    assert min(b - a for a, b in zip(tail, tail[1:])) >= 50_000 // AGE_FRACTION
    assert len(recorded) < 1500  # about AGE_FRACTION * ln(100,000 / AGE_FRACTION)


def test_backlog_and_anomaly():
    s = Sampler(record_first=2)
    assert s.decide(0, False, lambda: True) == FIRST  # the first ones regardless
    assert s.decide(5, forced=True) == ANOMALY
    s.next_at = 5
    assert s.decide(5, False, lambda: True) == BACKLOG
    assert s.decide(5, False, lambda: False) == AUTO
    asked = []
    assert s.decide(4, False, lambda: asked.append(1) or True) == SAMPLED_OUT
    assert not asked  # the writer is only asked when the answer matters
