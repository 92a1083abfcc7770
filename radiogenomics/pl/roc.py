"""ROC curves of cross-validated predictions."""

from __future__ import annotations

import math


def roc_curves(result, scheme: str = "leave-one-out"):
    """Draw one panel per task with the ROC curve of each model.

    Parameters
    ----------
    result : radiogenomics.assoc.prediction.PredictionResult
    scheme : str
        Only leave-one-out scores are kept per case, so the curves are those of that scheme.
        The legend gives each model's AUC and DeLong 95 % CI.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from radiogenomics.assoc.roc import roc_curve_points

    tasks = list(dict.fromkeys(task for task, _ in result.scores))
    columns = min(3, max(1, len(tasks)))
    rows = math.ceil(len(tasks) / columns) or 1
    figure, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 3.2 * rows),
                                squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        for (curve_task, model), scores in result.scores.items():
            if curve_task != task:
                continue
            fpr, tpr = roc_curve_points(scores["label"], scores["score"])
            row = result.table[(result.table["task"] == task) & (result.table["model"] == model)
                               & (result.table["scheme"] == scheme)].iloc[0]
            ax.plot(fpr, tpr, lw=1.3,
                    label=f"{model}: {row.auc:.2f} ({row.ci_low:.2f}-{row.ci_high:.2f})")
        published = result.table.loc[result.table["task"] == task, "published_auc"].iloc[0]
        title = task if math.isnan(published) else f"{task} (published {published:.2f})"
        ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("1 - specificity", fontsize=7)
        ax.set_ylabel("sensitivity", fontsize=7)
        ax.legend(fontsize=5.5, loc="lower right", frameon=False)
        ax.set_aspect("equal")
    for ax in list(axes.flat)[len(tasks):]:
        ax.set_visible(False)
    figure.suptitle(f"ROC curves, {scheme} cross-validation (AUC, DeLong 95% CI)", fontsize=9)
    figure.tight_layout()
    return figure
