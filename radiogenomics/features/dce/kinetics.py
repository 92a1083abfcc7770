"""Kinetic-curve (K1-K7) and enhancement-variance (E1-E4) phenotypes.

Both families are read from a curve sampled at the post-contrast frames on the kinetic
clock, where the first post-contrast frame sits at 60 s (see
:meth:`DCESeries.kinetic_times`). Relative enhancement is (S(t) - S0)/S0, a fraction.

References
----------
Chen W, Giger ML, Lan L, Bick U. Computerized interpretation of breast MRI: investigation
of enhancement-variance dynamics. Med Phys 2004;31:1076-1082.

Chen W, Giger ML, Bick U, Newstead GM. Automatic identification and classification of
characteristic kinetic curves of breast lesions on DCE-MRI. Med Phys 2006;33:2878-2887.

Chen W, Giger ML, Newstead GM, et al. Computerized assessment of breast lesion
malignancy using DCE-MRI: robustness study on two independent clinical datasets from
two manufacturers. Acad Radiol 2010;17:822-829 (Table 2 lists the phenotypes).
"""

from __future__ import annotations

import logging
import numbers
from dataclasses import dataclass

import numpy as np

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.dce.fcm import fuzzy_cmeans

logger = logging.getLogger(__name__)

KINETIC_COLUMNS = {
    "K1": "Maximum enhancement (K1)",
    "K2": "Time to peak (K2)",
    "K3": "Uptake rate (K3)",
    "K4": "Washout rate (K4)",
    "K5": "Curve shape index (K5)",
    "K6": "E1 (K6)",
    "K7": "Signal Enhancement Ratio (SER) (K7)",
}

VARIANCE_COLUMNS = {
    "E1": "Maximum enhancement-variance (E1)",
    "E2": "Enhancement-Variance Time to Peak (E2)",
    "E3": "Enhancement-variance Increasing Rate (E3)",
    "E4": "Enhancement-variance Decreasing Rate (E4)",
}


@dataclass(frozen=True)
class CharacteristicCurve:
    """The characteristic kinetic curve of a lesion and the voxels that define it.

    Attributes
    ----------
    curve : ndarray, shape (n_post,)
        Relative enhancement of the selected cluster's centroid at each post-contrast frame.
    voxels : ndarray of bool, shape (n_voxels,)
        Lesion voxels assigned (largest membership) to the selected cluster.
    """

    curve: np.ndarray
    voxels: np.ndarray


def characteristic_curve(
    enhancement: np.ndarray, n_clusters: int = 4, fuzziness: float = 2.0, random_state: int = 0
) -> CharacteristicCurve:
    """Find the characteristic kinetic curve (CKC) of a lesion by fuzzy c-means.

    The lesion voxels' enhancement curves are clustered by fuzzy c-means (Chen et al.,
    Med Phys 2006). The CKC is the centroid of the cluster with the highest enhancement
    at the first post-contrast frame, the choice of Chang et al., Magn Reson Imaging
    2012;30:312-322.

    Parameters
    ----------
    enhancement : ndarray, shape (n_voxels, n_post)
        Relative enhancement of each lesion voxel at each post-contrast frame.
    n_clusters : int
        Number of fuzzy c-means clusters, at least 2. Reduced to the number of distinct
        curves when the lesion has fewer.
    fuzziness : float
        Fuzzy c-means exponent m.
    random_state : int
        Seed of the fuzzy c-means initialisation.

    Returns
    -------
    CharacteristicCurve
    """
    # NOTE: the source abstracts give neither the number of clusters nor m; 4 and 2 are
    # this package's choices.
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral) \
            or n_clusters < 2:
        raise RadiogenomicsError(
            f"n_clusters (kinetic_clusters in compute_dce_phenotypes) must be an integer of "
            f"at least 2, got {n_clusters!r}, because the characteristic curve is the most "
            "enhancing of several clusters"
        )
    enhancement = np.asarray(enhancement, dtype=float)
    finite = np.all(np.isfinite(enhancement), axis=1)
    if not finite.any():
        raise RadiogenomicsError(
            "no lesion voxel has a positive pre-contrast signal, so no enhancement curve exists"
        )
    if not finite.all():
        logger.info("characteristic curve: dropped %d voxel(s) with S0 <= 0", int((~finite).sum()))
    curves = enhancement[finite]
    n_distinct = len(np.unique(curves, axis=0))
    n_clusters = min(n_clusters, n_distinct)
    voxels = np.zeros(len(enhancement), dtype=bool)
    if n_clusters < 2:
        # Every voxel has the same curve, so that curve is the characteristic curve.
        voxels[finite] = True
        return CharacteristicCurve(curve=curves[0].copy(), voxels=voxels)
    centers, memberships = fuzzy_cmeans(
        curves, n_clusters=n_clusters, fuzziness=fuzziness, seed=random_state
    )
    selected = len(centers) - 1
    voxels[finite] = np.argmax(memberships, axis=1) == selected
    return CharacteristicCurve(curve=centers[selected], voxels=voxels)


def kinetic_features(curve: np.ndarray, times: np.ndarray) -> dict[str, float]:
    """Compute K1-K7 from a kinetic curve.

    With E_k the relative enhancement at post-contrast time t_k (k = 1..n):

    - K1 maximum enhancement, max_k E_k (fraction)
    - K2 time to peak, the t_k of K1 (s)
    - K3 uptake rate, K1 / K2 (1/s)
    - K4 washout rate, (K1 - E_n) / (t_n - K2), and 0 when the peak is the last frame (1/s)
    - K5 curve shape index, (E_n - E_1) / E_1
    - K6 enhancement at the first post-contrast frame, E_1 (fraction)
    - K7 signal enhancement ratio, E_1 / E_n

    Names from Chen et al., Acad Radiol 2010, Table 2; K6 and K7 as in Jansen et al.,
    J Magn Reson Imaging 2011;33:1382. The formulas satisfy the identities
    K3 = K1/K2 and K5 = 1/K7 - 1 that hold in the UChicago TCGA-BRCA table.

    Parameters
    ----------
    curve : ndarray, shape (n_post,)
        Relative enhancement at each post-contrast frame.
    times : ndarray, shape (n_post,)
        Kinetic-clock times in seconds, all positive and increasing.

    Returns
    -------
    dict
        Keys ``"K1"`` .. ``"K7"``.
    """
    curve, times = _check_curve(curve, times, "kinetic curve")
    peak = int(np.argmax(curve))
    k1, k2 = float(curve[peak]), float(times[peak])
    first, last = float(curve[0]), float(curve[-1])
    washout = 0.0 if peak == len(curve) - 1 else (k1 - last) / (times[-1] - k2)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape_index = (last - first) / first if first != 0 else np.nan
        ser = first / last if last != 0 else np.nan
    if first <= 0:
        logger.warning("the kinetic curve does not enhance at the first frame (E_1 = %.3g)", first)
    return {
        "K1": k1,
        "K2": k2,
        "K3": k1 / k2,
        "K4": float(washout),
        "K5": float(shape_index),
        "K6": first,
        "K7": float(ser),
    }


def enhancement_variance_curve(enhancement: np.ndarray, ddof: int = 0) -> np.ndarray:
    """Return the variance of relative enhancement over the lesion at each frame.

    Parameters
    ----------
    enhancement : ndarray, shape (n_voxels, n_post)
        Relative enhancement of each lesion voxel. Voxels with a NaN (S0 <= 0) are left out.
    ddof : int
        Delta degrees of freedom: 0 for the population variance, 1 for the sample variance.

    Returns
    -------
    ndarray, shape (n_post,)
        Variance in fraction² at each post-contrast frame.
    """
    # NOTE: the UChicago normalisation is unpublished; the population variance is a choice.
    enhancement = np.asarray(enhancement, dtype=float)
    finite = np.all(np.isfinite(enhancement), axis=1)
    if finite.sum() <= ddof:
        raise RadiogenomicsError(
            f"the lesion has {int(finite.sum())} voxel(s) with a valid enhancement curve; "
            "its enhancement variance is undefined"
        )
    return np.var(enhancement[finite], axis=0, ddof=ddof)


def variance_features(variance: np.ndarray, times: np.ndarray) -> dict[str, float]:
    """Compute E1-E4 from the enhancement-variance curve V(t_k).

    - E1 maximum enhancement-variance, max_k V(t_k) (fraction²)
    - E2 time to peak of the variance, the t_k of E1 (s)
    - E3 variance increasing rate, E1 / E2 (1/s)
    - E4 variance decreasing rate, (E1 - V(t_n)) / (t_n - E2), and 0 when the variance
      peaks at the last frame (1/s)

    The variance kinetics are those of Chen et al., Med Phys 2004, and the names those
    of Chen et al., Acad Radiol 2010, Table 2. E3 = E1/E2 and the zero pattern
    of E4 hold exactly in the UChicago TCGA-BRCA table; the E4 formula is inferred.

    Parameters
    ----------
    variance : ndarray, shape (n_post,)
        Enhancement variance at each post-contrast frame.
    times : ndarray, shape (n_post,)
        Kinetic-clock times in seconds.

    Returns
    -------
    dict
        Keys ``"E1"`` .. ``"E4"``.
    """
    variance, times = _check_curve(variance, times, "enhancement-variance curve")
    peak = int(np.argmax(variance))
    e1, e2 = float(variance[peak]), float(times[peak])
    decrease = 0.0 if peak == len(variance) - 1 else (e1 - variance[-1]) / (times[-1] - e2)
    return {"E1": e1, "E2": e2, "E3": e1 / e2, "E4": float(decrease)}


def _check_curve(curve, times, name: str) -> tuple[np.ndarray, np.ndarray]:
    curve = np.asarray(curve, dtype=float)
    times = np.asarray(times, dtype=float)
    if curve.ndim != 1 or curve.shape != times.shape or curve.size < 2:
        raise RadiogenomicsError(
            f"the {name} needs one value per post-contrast time (at least 2), got "
            f"{curve.size} value(s) for {times.size} time(s)"
        )
    if not np.all(np.isfinite(curve)):
        raise RadiogenomicsError(f"the {name} contains NaN or infinite values: {curve.tolist()}")
    if np.any(times <= 0) or np.any(np.diff(times) <= 0):
        raise RadiogenomicsError(
            f"kinetic times must be positive and increasing, got {times.tolist()}"
        )
    return curve, times
