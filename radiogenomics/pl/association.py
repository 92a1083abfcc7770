"""Figures of association results: volcano plots and the features x labels heat map."""

from __future__ import annotations

import numpy as np
import pandas as pd


def volcano(table: pd.DataFrame, label: str, alpha: float = 0.05, annotate: int = 5, ax=None):
    """Draw a volcano plot of one label's association tests.

    The x axis is the standardised effect ``beta_std`` (phenotype standard deviations per
    unit of the label); the y axis is ``-log10 p``. Tests with ``q < alpha`` are highlighted
    and the ``annotate`` smallest p-values are named. A factor label (F-test) has no signed
    effect, so its x axis is the F statistic.

    Parameters
    ----------
    table : pandas.DataFrame
        The association table (:attr:`AssociationResult.table`).
    label : str
        The label to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    rows = table[table["label"] == label]
    if rows.empty:
        raise ValueError(f"no association tests for label {label!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    is_factor = rows["test"].eq("F").all()
    x = rows["f"] if is_factor else rows["beta_std"]
    y = -np.log10(rows["p"])
    hit = rows["q"] < alpha
    ax.scatter(x[~hit], y[~hit], s=14, color="0.6", label=f"q >= {alpha}")
    ax.scatter(x[hit], y[hit], s=18, color="C3", label=f"q < {alpha}")
    # Names go in an evenly spaced column right of the axes, in the order of their points'
    # heights, so that close points never print their names on each other.
    top = rows.nsmallest(annotate, "p").sort_values("p", ascending=False)
    for rank, (_, row) in enumerate(top.iterrows()):
        ax.annotate(
            row["feature"],
            (row["f"] if is_factor else row["beta_std"], -np.log10(row["p"])),
            xytext=(1.04, 0.1 + 0.8 * (rank + 0.5) / max(len(top), 1)),
            textcoords="axes fraction",
            fontsize=6,
            va="center",
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.6"},
        )
    ax.axhline(-np.log10(0.05), color="0.8", lw=0.8, ls="--")
    ax.set_xlabel("F statistic" if is_factor else "standardised effect (SD per unit label)")
    ax.set_ylabel(r"$-\log_{10}\,p$")
    ax.set_title(label, fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    return ax


def signed_q_heatmap(table: pd.DataFrame, ax=None):
    """Draw phenotypes x labels as ``sign(beta) * -log10 q``.

    Factor labels (F-tests) have no sign and are drawn positive. Cells with ``q < 0.05`` are
    marked with a dot.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    signs = np.sign(table["beta"]).fillna(1.0)
    values = table.assign(value=signs * -np.log10(table["q"]))
    matrix = values.pivot(index="feature", columns="label", values="value")
    matrix = matrix.reindex(index=list(dict.fromkeys(table["feature"])),
                            columns=list(dict.fromkeys(table["label"])))
    if ax is None:
        _, ax = plt.subplots(figsize=(0.32 * matrix.shape[1] + 3.5, 0.2 * matrix.shape[0] + 1.5))
    finite = np.abs(matrix.to_numpy())
    finite = finite[np.isfinite(finite)]
    limit = max(2.0, float(finite.max())) if finite.size else 2.0
    image = ax.imshow(matrix.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    rows, columns = np.nonzero((matrix.abs() > -np.log10(0.05)).to_numpy())
    ax.scatter(columns, rows, s=6, color="black")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=6)
    colourbar = ax.figure.colorbar(image, ax=ax, fraction=0.04)
    colourbar.set_label(r"sign($\beta$) $\times$ $-\log_{10}\,q$", fontsize=8)
    ax.set_title("Size-controlled associations (dot: q < 0.05; F-tests unsigned)", fontsize=9)
    return ax
