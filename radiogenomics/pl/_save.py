"""Saving figures reproducibly in several formats."""

from __future__ import annotations

from pathlib import Path

# No creation date or software version in the files, so reruns give identical bytes.
_METADATA = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
    "svg": {"Date": None, "Creator": None},
}


def save_figure(figure, stem, formats=("png", "pdf"), dpi: int = 300) -> list[Path]:
    """Save ``figure`` as ``stem.<format>`` for each format and close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    stem : path-like
        Output path without suffix.
    formats : sequence of {'png', 'pdf', 'svg'}
    dpi : int, default 300
        Resolution of raster formats, in dots per inch.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import matplotlib.pyplot as plt

    stem = Path(stem)
    written = []
    for fmt in formats:
        if fmt not in _METADATA:
            raise ValueError(f"unknown figure format {fmt!r}; choose png, pdf or svg")
        path = stem.with_suffix(f".{fmt}")
        figure.savefig(path, dpi=dpi, metadata=_METADATA[fmt], bbox_inches="tight")
        written.append(path)
    plt.close(figure)
    return written
