"""The clustered heat map of z-scored phenotypes with clinical annotation tracks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _track_colours(values: pd.Series, palette: str = "Set2") -> tuple[pd.Series, dict]:
    """Map a track to colours and legend entries.

    Binary labels are light grey (0) and black (1), categories get ``palette``, numbers a
    viridis ramp; missing values are white.
    """
    import matplotlib as mpl
    import seaborn as sns

    missing = "#ffffff"
    is_category = isinstance(values.dtype, pd.CategoricalDtype)
    if not is_category and values.dropna().isin([0, 1]).all():
        lookup = {0.0: "#d9d9d9", 1.0: "#303030"}
        colours = values.map(lookup).astype(object).where(values.notna(), missing)
        return colours, {"negative (0)": lookup[0.0], "positive (1)": lookup[1.0],
                         "missing": missing}
    if is_category:
        levels = list(values.cat.categories)
        colours_list = sns.color_palette(palette, len(levels))
        lookup = {level: mpl.colors.to_hex(colour)
                  for level, colour in zip(levels, colours_list, strict=True)}
        colours = values.astype(object).map(lookup).where(values.notna(), missing)
        return colours, {f"{values.name} {level}": colour for level, colour in lookup.items()}
    ramp = mpl.colormaps["viridis"]
    scaled = (values - values.min()) / (values.max() - values.min())
    colours = scaled.map(lambda v: missing if np.isnan(v) else mpl.colors.to_hex(ramp(v)))
    return colours, {f"{values.name}: low": mpl.colors.to_hex(ramp(0.0)),
                     f"{values.name}: high": mpl.colors.to_hex(ramp(1.0))}


def clustered_heatmap(clustering, tracks: pd.DataFrame, title: str | None = None):
    """Draw the clustered heat map of a :class:`~radiogenomics.assoc.clustering.Clustering`.

    Rows are patients, columns phenotypes, both ordered by their dendrograms; the colour is
    the z-score, clipped to [-3, 3]. ``tracks`` (patients x variables) become colour bars
    beside the rows: categories and binary labels (grey = 0, black = 1, white = missing)
    get a palette, numbers (e.g. log tumour volume) a viridis ramp.

    Returns
    -------
    seaborn.matrix.ClusterGrid
    """
    import seaborn as sns
    from matplotlib.patches import Patch

    colour_tracks, legend = {}, {}
    for column in tracks.columns:
        colours, entries = _track_colours(tracks[column].reindex(clustering.zscores.index))
        colour_tracks[column] = colours
        legend.update(entries)
    cluster_colours, entries = _track_colours(
        clustering.clusters.astype("category").rename("cluster"), palette="Dark2"
    )
    colour_tracks["cluster"] = cluster_colours
    legend.update(entries)
    grid = sns.clustermap(
        clustering.zscores,
        row_linkage=clustering.patient_linkage,
        col_linkage=clustering.feature_linkage,
        row_colors=pd.DataFrame(colour_tracks),
        cmap="RdBu_r",
        vmin=-3,
        vmax=3,
        figsize=(11, 11),
        yticklabels=False,
        xticklabels=True,
        dendrogram_ratio=(0.12, 0.1),
        cbar_pos=(1.0, 0.35, 0.015, 0.25),
        cbar_kws={"label": "z-score"},
    )
    grid.ax_heatmap.set_xticklabels(grid.ax_heatmap.get_xticklabels(), fontsize=6)
    grid.ax_heatmap.set_ylabel(f"patients (n = {len(clustering.zscores)})")
    handles = [Patch(facecolor=colour, edgecolor="0.5", label=name)
               for name, colour in legend.items()]
    grid.ax_col_dendrogram.legend(handles=handles, ncol=5, fontsize=6, loc="center",
                                  frameon=False, bbox_to_anchor=(0.5, 0.9))
    grid.figure.suptitle(title or clustering.describe(), fontsize=7, y=1.01)
    return grid
