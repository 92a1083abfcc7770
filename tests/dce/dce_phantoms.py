"""Analytic DCE-MRI phantoms shared by the DCE tests."""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.special import ndtr

from radiogenomics.features.dce import DCESeries

# Acquisition times (s): pre-contrast, then four post-contrast frames 90 s apart. On the
# kinetic clock the post-contrast frames sit at 60, 150, 240 and 330 s.
TIMES = np.array([0.0, 70.0, 160.0, 250.0, 340.0])
KINETIC_TIMES = np.array([60.0, 150.0, 240.0, 330.0])


def grid(shape, spacing):
    """Return z, y, x coordinates in mm, centred on the grid centre."""
    axes = [(np.arange(n) - (n - 1) / 2) * s for n, s in zip(shape, spacing, strict=True)]
    return np.meshgrid(*axes, indexing="ij")


def ellipsoid(shape, spacing, semi_axes, centre=(0.0, 0.0, 0.0)):
    """Return the mask of an axis-aligned ellipsoid with semi-axes (z, y, x) in mm."""
    z, y, x = grid(shape, spacing)
    return (
        ((z - centre[0]) / semi_axes[0]) ** 2
        + ((y - centre[1]) / semi_axes[1]) ** 2
        + ((x - centre[2]) / semi_axes[2]) ** 2
    ) <= 1.0


def gamma_curve(amplitude, t, peak_time=150.0):
    """Enhancement A (t / tp) exp(1 - t / tp), which peaks at A when t = tp."""
    ratio = np.asarray(t, dtype=float) / peak_time
    return np.multiply.outer(amplitude, ratio * np.exp(1.0 - ratio))


def series_from_enhancement(enhancement, baseline=100.0, spacing=(1.0, 1.0, 1.0)):
    """Build a noiseless series whose voxels have the given post-contrast enhancement.

    ``enhancement`` has shape (n_post, nz, ny, nx); S(t) = S0 (1 + E(t)).
    """
    pre = np.full(enhancement.shape[1:], float(baseline))
    frames = np.concatenate([pre[np.newaxis], pre * (1.0 + enhancement)])
    return DCESeries(frames, TIMES, spacing)


def blurred_sphere_image(shape, spacing, radius, width, inside=300.0, outside=100.0):
    """Return an image stepping from ``inside`` to ``outside`` across a sphere of ``radius``.

    The edge profile is I(r) = outside + (inside - outside) Phi((radius - r) / width), a
    step blurred by a Gaussian of standard deviation ``width`` (mm). Also return r (mm).
    """
    z, y, x = grid(shape, spacing)
    r = np.sqrt(z**2 + y**2 + x**2)
    return outside + (inside - outside) * ndtr((radius - r) / width), r


def realistic_lesion(
    rng, shape=(32, 72, 72), spacing=(1.6, 0.7, 0.7), radius=9.0, texture_sigma=4.0,
    patch_weight=0.3, core_weight=1.5,
):
    """Build a lobulated, heterogeneously enhancing lesion in weakly enhancing tissue.

    The lesion radius varies with direction by up to about 50 %, and the edge is blurred
    by 1 mm. Enhancement rises linearly from rim to centre (``core_weight``) and is
    modulated by a smooth random field and by sharp-edged patches (``patch_weight``),
    both Gaussian-smoothed with ``texture_sigma`` voxels. Gaussian noise of SD 2 is
    added to a baseline of 100. Returns the series and the true lesion mask.
    """
    z, y, x = grid(shape, spacing)
    r = np.sqrt(z**2 + y**2 + x**2)
    theta = np.arccos(np.clip(z / np.maximum(r, 1e-9), -1.0, 1.0))
    phi = np.arctan2(y, x)
    lobulated_radius = radius * (
        1.0 + 0.3 * np.sin(3.0 * phi) * np.sin(theta) + 0.2 * np.cos(2.0 * theta)
    )
    lesion = r <= lobulated_radius
    soft = ndimage.gaussian_filter(lesion.astype(float), sigma=[1.0 / s for s in spacing])
    depth = np.clip((lobulated_radius - r) / lobulated_radius, 0.0, 1.0)
    field = ndimage.gaussian_filter(rng.standard_normal(shape), texture_sigma)
    field /= field.std()
    patches = ndimage.gaussian_filter(rng.standard_normal(shape), texture_sigma) > 0
    amplitude = 1.0 + core_weight * depth + 0.3 * field + patch_weight * patches

    post_minutes = (TIMES[1:] - TIMES[0]) / 60.0
    frames = [np.full(shape, 100.0)]
    for minutes in post_minutes:
        curve = (1.0 - np.exp(-2.0 * minutes)) * np.exp(-0.05 * minutes)
        lesion_enhancement = amplitude * curve
        tissue_enhancement = 0.1 * minutes
        enhancement = soft * lesion_enhancement + (1.0 - soft) * tissue_enhancement
        frames.append(100.0 * (1.0 + enhancement))
    frames = np.stack(frames) + rng.normal(0.0, 2.0, (len(frames), *shape))
    return DCESeries(frames, TIMES, spacing), lesion
