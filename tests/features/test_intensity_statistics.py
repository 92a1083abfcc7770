"""Intensity statistics against numpy and SciPy, on voxel values and on counted integers."""

import numpy as np
import pytest
from scipy import stats

from radiogenomics.features.intensity import moment_statistics

CASES = {
    # More than a thousand integer voxels take the counting path; the others do not.
    "integer HU": np.random.default_rng(0).integers(-1000, 3000, 50_000).astype(float),
    "grey levels": np.random.default_rng(1).integers(1, 33, 20_000).astype(float),
    "few integers": np.random.default_rng(2).integers(0, 50, 500).astype(float),
    "real valued": np.random.default_rng(3).gamma(2.0, 30.0, 20_000),
}


@pytest.mark.parametrize("name", list(CASES))
def test_statistics_match_numpy_and_scipy(name):
    values = CASES[name]
    result = moment_statistics(values)
    p10, p25, median, p75, p90 = np.percentile(values, [10, 25, 50, 75, 90])
    robust = values[(values >= p10) & (values <= p90)]
    expected = {
        "mean": values.mean(),
        "var": values.var(),
        "skew": stats.skew(values),
        "kurt": stats.kurtosis(values),
        "median": median,
        "min": values.min(),
        "p10": p10,
        "p90": p90,
        "max": values.max(),
        "iqr": p75 - p25,
        "range": np.ptp(values),
        "mad": np.mean(np.abs(values - values.mean())),
        "rmad": np.mean(np.abs(robust - robust.mean())),
        "medad": np.mean(np.abs(values - median)),
        "cov": values.std() / values.mean(),
        "qcod": (p75 - p25) / (p75 + p25),
    }
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, rel=1e-10, abs=1e-12), key


def test_constant_region_has_no_skewness():
    result = moment_statistics(np.full(2000, 7.0))
    assert result["var"] == 0.0
    assert np.isnan(result["skew"])
    assert np.isnan(result["kurt"])
    assert result["median"] == 7.0
