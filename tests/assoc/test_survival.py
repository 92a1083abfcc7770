"""Cox models and log-rank tests against known hazards and SciPy."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from radiogenomics.assoc.survival import cox_association, logrank_test


def _exponential_cohort(n=400, log_hazard_ratio=0.7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    event_time = rng.exponential(1 / np.exp(log_hazard_ratio * x))
    censor_time = rng.exponential(2.0, size=n)
    time = np.minimum(event_time, censor_time)
    event = (event_time <= censor_time).astype(float)
    index = [f"P{i}" for i in range(n)]
    features = pd.DataFrame({"x": x, "noise": rng.normal(size=n)}, index=index)
    return features, pd.Series(time, index=index), pd.Series(event, index=index)


def test_cox_recovers_known_hazard_ratio():
    features, time, event = _exponential_cohort()
    table = cox_association(features, time, event).set_index("feature")
    expected = np.exp(0.7 * features["x"].std(ddof=1))
    assert table.loc["x", "ci_low"] < expected < table.loc["x", "ci_high"]
    assert table.loc["x", "p"] < 1e-10
    assert table.loc["noise", "p"] > 0.01


def test_logrank_matches_scipy():
    features, time, event = _exponential_cohort(n=200, seed=1)
    groups = (features["x"] > 0).astype(int)
    ours = logrank_test(time, event, groups)
    high = groups == 1
    scipy_result = stats.logrank(
        stats.CensoredData.right_censored(time[high], event[high] == 0),
        stats.CensoredData.right_censored(time[~high], event[~high] == 0),
    )
    assert ours["p"] == pytest.approx(scipy_result.pvalue, rel=1e-6)


def test_event_coding_is_checked():
    features, time, event = _exponential_cohort(n=20)
    with pytest.raises(ValueError, match="coded 1 \\(event\\) or 0"):
        cox_association(features, time, event * 2)
