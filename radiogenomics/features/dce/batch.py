"""DCE-MRI phenotypes of many lesions read from image files, as one wide table."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.dce.phenotypes import DCE_PHENOTYPES, compute_dce_phenotypes
from radiogenomics.features.dce.series import (
    DCESeries,
    check_image_on_grid,
    read_dce_dicom,
    read_dce_stack,
    read_image_file,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DCECase:
    """One lesion to phenotype: where its images are and how to find the lesion.

    Give the images either as ``frames`` (one NIfTI/NRRD file per time point, the
    pre-contrast image first) with ``times`` in seconds, or as a ``dicom`` folder. Give
    the lesion as exactly one of ``seed`` (voxel index z, y, x), ``box`` (z0, z1, y0, y1,
    x0, x1) or ``mask`` (an image file on the DCE grid).
    """

    patient: str
    frames: Sequence[str | os.PathLike] | None = None
    times: Sequence[float] | None = None
    dicom: str | os.PathLike | None = None
    seed: Sequence[int] | None = None
    box: Sequence[int] | None = None
    mask: str | os.PathLike | None = None

    def load_series(self) -> DCESeries:
        """Read the case's DCE series from its files."""
        if (self.frames is None) == (self.dicom is None):
            raise RadiogenomicsError(
                f"case {self.patient}: give either frames (with times) or a dicom folder"
            )
        if self.dicom is not None:
            return read_dce_dicom(self.dicom)
        if self.times is None:
            raise RadiogenomicsError(
                f"case {self.patient}: frames need times, one acquisition time (s) per file"
            )
        return read_dce_stack(self.frames, self.times)

    def load_mask(self, series: DCESeries | None = None) -> np.ndarray | None:
        """Read the case's mask file, or return None when the case has none.

        Parameters
        ----------
        series : DCESeries, optional
            The case's series. When given, the mask's size, spacing, origin and
            direction must match its grid within 1e-3 mm, else ``DCESeriesError``.
        """
        if self.mask is None:
            return None
        import SimpleITK as sitk

        if not os.path.isfile(self.mask):
            raise FileNotFoundError(f"case {self.patient}: mask file not found: {self.mask}")
        image = read_image_file(self.mask)
        if series is not None:
            check_image_on_grid(image, series, f"mask {self.mask}", kind="mask")
        return sitk.GetArrayFromImage(image) > 0


def _phenotype_case(case: DCECase, settings: dict) -> tuple[str, pd.Series | None, str]:
    try:
        series = case.load_series()
        row = compute_dce_phenotypes(
            series, seed=case.seed, box=case.box, mask=case.load_mask(series), **settings
        )
    except (RadiogenomicsError, FileNotFoundError) as error:
        return case.patient, None, str(error)
    return case.patient, row, ""


def compute_dce_phenotype_table(
    cases: Iterable[DCECase], n_jobs: int = 1, **settings
) -> pd.DataFrame:
    """Compute the 36 DCE-MRI phenotypes of every case.

    Cases whose files are missing or whose lesion cannot be segmented are left out of
    the table, and each is logged with its error. Their messages are kept in
    ``table.attrs["failed"]`` (patient -> message).

    Parameters
    ----------
    cases : iterable of DCECase
        The lesions; patient identifiers must be unique.
    n_jobs : int
        Worker processes (joblib). The table does not depend on it.
    **settings
        Keyword arguments of :func:`compute_dce_phenotypes`, such as ``fuzziness``.

    Returns
    -------
    pandas.DataFrame
        One row per case (index ``patient``), the 36 columns of ``DCE_PHENOTYPES``.
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    cases = list(cases)
    patients = [case.patient for case in cases]
    duplicated = sorted({p for p in patients if patients.count(p) > 1})
    if duplicated:
        raise RadiogenomicsError(f"patient identifiers must be unique; repeated: {duplicated}")

    progress = tqdm(cases, desc="DCE phenotypes", unit="case", disable=None)
    results = Parallel(n_jobs=n_jobs)(delayed(_phenotype_case)(c, settings) for c in progress)

    rows, failed = {}, {}
    for patient, row, message in results:
        if row is None:
            logger.warning("case %s dropped: %s", patient, message)
            failed[patient] = message
        else:
            rows[patient] = row
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(DCE_PHENOTYPES.values()))
    table.index.name = "patient"
    table.attrs["failed"] = failed
    logger.info("DCE phenotypes of %d case(s); %d dropped", len(table), len(failed))
    return table
