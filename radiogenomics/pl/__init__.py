"""Publication figures: one function per figure kind, drawing on matplotlib axes."""

from radiogenomics.pl._save import save_figure
from radiogenomics.pl.association import signed_q_heatmap, volcano
from radiogenomics.pl.clustering import clustered_heatmap
from radiogenomics.pl.roc import roc_curves
from radiogenomics.pl.survival import kaplan_meier

__all__ = [
    "clustered_heatmap",
    "kaplan_meier",
    "roc_curves",
    "save_figure",
    "signed_q_heatmap",
    "volcano",
]
