"""Kaplan-Meier curves of patient groups."""

from __future__ import annotations

import pandas as pd


def kaplan_meier(time: pd.Series, event: pd.Series, groups: pd.Series, title: str = "",
                 time_unit: str = "days", ax=None):
    """Draw the Kaplan-Meier survival curve of each group.

    Curves come from :class:`statsmodels.duration.survfunc.SurvfuncRight`; the legend gives
    each group's size and number of events.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from statsmodels.duration.survfunc import SurvfuncRight

    data = pd.concat([time.rename("time"), event.rename("event"), groups.rename("group")],
                     axis=1, join="inner").dropna()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.5))
    for group, rows in data.groupby("group", sort=True):
        curve = SurvfuncRight(rows["time"].to_numpy(), rows["event"].to_numpy())
        ax.step(
            [0, *curve.surv_times], [1.0, *curve.surv_prob], where="post",
            label=f"{groups.name} {group} (n = {len(rows)}, {int(rows['event'].sum())} events)",
        )
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("survival probability")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    return ax
