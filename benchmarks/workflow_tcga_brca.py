"""Time the TCGA-BRCA MRI workflow and its association step against a statsmodels loop.

Run from the repository root with the data directory configured::

    RADIOGENOMICS_DATA=/path/to/data python benchmarks/workflow_tcga_brca.py

It prints a Markdown table. The whole ``radiogenomics run`` is timed as a fresh process
(wall and CPU time, best of ``--repeats``). The size-controlled association of all labels
and phenotypes is timed twice: by this package's matrix algebra, and by one statsmodels OLS
fit per pair. The table also gives the largest difference in p-values between the two.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "workflows" / "tcga_brca_mri.yaml"


def time_cli_run(repeats: int) -> tuple[float, float]:
    """Return the best wall time and its child CPU time of ``radiogenomics run`` (s)."""
    best_wall, best_cpu = np.inf, np.inf
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "radiogenomics.cli", "run", str(WORKFLOW),
                 "--out", f"{folder}/out"],
                check=True, capture_output=True,
            )
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if wall < best_wall:
            best_wall, best_cpu = wall, cpu
    return best_wall, best_cpu


def statsmodels_loop(features: pd.DataFrame, labels: pd.DataFrame, size: pd.Series):
    """Fit ``phenotype ~ label + log(size)`` once per label and phenotype."""
    p_values = {}
    log_size = np.log(size).rename("log_size")
    for label in labels.columns:
        for feature in features.columns:
            data = pd.concat([features[feature], labels[label], log_size], axis=1).dropna()
            design = sm.add_constant(data[[label, "log_size"]])
            p_values[(label, feature)] = sm.OLS(data[feature], design).fit().pvalues[label]
    return pd.Series(p_values)


def best_time(function, repeats: int) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    args = parser.parse_args()

    from radiogenomics.assoc import size_controlled_association
    from radiogenomics.io.cohort import build_cohort

    cohort = build_cohort(yaml.safe_load(WORKFLOW.read_text())["cohort"])
    numeric = [c for c in cohort.labels.columns
              if not isinstance(cohort.labels[c].dtype, pd.CategoricalDtype)]
    labels = cohort.labels[numeric]
    size = cohort.features[cohort.size_feature]

    ours_s, ours = best_time(
        lambda: size_controlled_association(cohort.features, labels, size), args.repeats
    )
    loop_s, loop = best_time(lambda: statsmodels_loop(cohort.features, labels, size),
                             args.repeats)
    ours_p = ours.table.set_index(["label", "feature"])["p"]
    difference = float(np.max(np.abs(ours_p.loc[loop.index].to_numpy() - loop.to_numpy())))
    wall, cpu = time_cli_run(args.repeats)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"Tests: {len(numeric)} binary and continuous labels x "
          f"{cohort.features.shape[1]} phenotypes = {len(loop)} size-controlled OLS fits\n")
    print("| measure | this package | statsmodels loop | ratio |")
    print("|---|---|---|---|")
    print(f"| association step, best of {args.repeats} | {ours_s:.3f} s | {loop_s:.3f} s | "
          f"{loop_s / ours_s:.0f}x faster |")
    print(f"| largest p-value difference | {difference:.1e} | | |")
    print(f"| `radiogenomics run` (fresh process), wall | {wall:.1f} s | | |")
    print(f"| `radiogenomics run` (fresh process), CPU | {cpu:.1f} s | | |")


if __name__ == "__main__":
    main()
