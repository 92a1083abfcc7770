"""The 36 phenotypes: column names, identities and ranges of the real 91-case table."""

import numpy as np
import pandas as pd
import pytest
from dce_phantoms import realistic_lesion

from radiogenomics.features.dce import DCE_PHENOTYPES, compute_dce_phenotypes

TABLE = "tcga_brca_radiogenomics/radiomics_UChicago_91cases.csv"
C = DCE_PHENOTYPES

# Lobulated lesions of about 2,200 and 4,200 mm³, near the real median volume of 2,868 mm³.
PHANTOMS = {"radius 9 mm": (1, 9.0, (32, 72, 72)), "radius 11 mm": (3, 11.0, (36, 80, 80))}


@pytest.fixture(scope="module")
def real_table(data_root):
    return pd.read_csv(data_root / TABLE, index_col=0)


@pytest.fixture(scope="module")
def phantom_rows():
    rows = {}
    for name, (seed, radius, shape) in PHANTOMS.items():
        series, _ = realistic_lesion(np.random.default_rng(seed), shape=shape, radius=radius)
        rows[name] = compute_dce_phenotypes(series, seed=tuple(n // 2 for n in shape))
    return pd.DataFrame(rows).T


def check_identities(table):
    """Assert the exact identities between columns of a phenotype table."""
    np.testing.assert_allclose(table[C["K3"]], table[C["K1"]] / table[C["K2"]], rtol=1e-5)
    np.testing.assert_allclose(table[C["K5"]], 1 / table[C["K7"]] - 1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(table[C["E3"]], table[C["E1"]] / table[C["E2"]], rtol=1e-5)
    np.testing.assert_allclose(table[C["G3"]], table[C["S3"]] / table[C["S1"]], rtol=1e-5)
    np.testing.assert_allclose(
        table[C["S2"]], (6 * table[C["S1"]] / np.pi) ** (1 / 3), rtol=1e-5
    )
    np.testing.assert_allclose(
        table[C["G2"]], 1 - np.pi * table[C["S2"]] ** 2 / table[C["S3"]], rtol=1e-5
    )
    np.testing.assert_allclose(
        table[C["T1"]], 2 * table[C["T14"]] * (1 - table[C["T2"]]), rtol=1e-5
    )
    np.testing.assert_allclose(
        table[C["T13"]], 2 * table[C["T14"]] * (1 + table[C["T2"]]), rtol=1e-5
    )


def test_columns_match_real_table(real_table):
    assert list(DCE_PHENOTYPES.values()) == list(real_table.columns)


def test_identities_hold_on_real_table(real_table):
    check_identities(real_table)


def test_identities_hold_on_output(phantom_rows):
    check_identities(phantom_rows)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PHANTOMS))
def test_phantom_within_real_range(name, phantom_rows, real_table):
    row = phantom_rows.loc[name]
    low, high = real_table.min(), real_table.max()
    for column in real_table.columns:
        assert low[column] <= row[column] <= high[column], column


@pytest.mark.parametrize("name", list(PHANTOMS))
def test_phantom_homogeneity_at_its_contrast(name, phantom_rows, real_table):
    # Homogeneity falls as contrast rises (r = -0.89 in the real table), so compare with the
    # real lesions whose contrast is within 5 of the phantom's.
    row = phantom_rows.loc[name]
    similar = real_table[(real_table[C["T1"]] - row[C["T1"]]).abs() <= 5.0]
    assert len(similar) >= 10
    assert similar[C["T7"]].min() <= row[C["T7"]] <= similar[C["T7"]].max()


def test_phantom_volume_near_truth():
    series, lesion = realistic_lesion(np.random.default_rng(1), shape=(32, 72, 72), radius=9.0)
    row = compute_dce_phenotypes(series, mask=lesion)
    assert row[C["S1"]] == pytest.approx(lesion.sum() * np.prod(series.spacing))


def test_requires_exactly_one_lesion_input():
    series, lesion = realistic_lesion(np.random.default_rng(0), shape=(16, 32, 32), radius=4.0)
    with pytest.raises(ValueError, match="exactly one"):
        compute_dce_phenotypes(series, seed=(8, 16, 16), mask=lesion)


def test_rejects_mask_on_other_grid():
    series, _ = realistic_lesion(np.random.default_rng(0), shape=(16, 32, 32), radius=4.0)
    with pytest.raises(ValueError, match="does not match the image grid"):
        compute_dce_phenotypes(series, mask=np.ones((16, 32, 31), dtype=bool))


@pytest.mark.parametrize("clusters", [0, 1, -3])
def test_rejects_fewer_than_two_kinetic_clusters(clusters):
    series, lesion = realistic_lesion(np.random.default_rng(0), shape=(16, 32, 32), radius=4.0)
    with pytest.raises(ValueError) as error:
        compute_dce_phenotypes(series, mask=lesion, kinetic_clusters=clusters)
    assert str(error.value) == (
        f"DCE setting kinetic_clusters (number of kinetic clusters) must be at least 2, "
        f"got {clusters}"
    )


@pytest.mark.parametrize("start", [-5, 0.0])
def test_rejects_kinetic_clock_start_not_above_zero(start):
    series, lesion = realistic_lesion(np.random.default_rng(0), shape=(16, 32, 32), radius=4.0)
    with pytest.raises(ValueError) as error:
        compute_dce_phenotypes(series, mask=lesion, first_postcontrast_time=start)
    assert str(error.value) == (
        "DCE setting first_postcontrast_time (kinetic-clock time (s) of the first "
        f"post-contrast frame) must be above 0.0 s, got {start!r}"
    )
