"""Run a workflow: build the cohort, run the analyses, write tables, figures and a report.

The results folder contains CSV and Parquet tables, PNG and PDF figures, ``report.md``,
``run.log`` and ``provenance.json``. It is written to a temporary folder and renamed at the
end, so a failed run leaves nothing behind. Tables depend only on the inputs, the workflow
and its seed, so reruns give byte-identical CSV files.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.workflow import report as md
from radiogenomics.workflow.dce_inputs import (
    compute_dce_features,
    dce_cases_path,
    dce_inputs,
    read_workflow_dce_cases,
)
from radiogenomics.workflow.output import atomic_directory, write_csv, write_tables
from radiogenomics.workflow.provenance import now, write_provenance
from radiogenomics.workflow.spec import load_workflow

logger = logging.getLogger(__name__)

ASSOCIATION_COLUMNS = ["label", "feature", "n", "beta", "se", "t", "p", "q", "p_without_size",
                       "test", "f", "df", "beta_std", "r_size", "size_collinear"]


@dataclass
class RunResult:
    """The outcome of :func:`run_workflow`: where it wrote and the main result objects."""

    out_dir: Path
    cohort: object
    associations: object = None
    univariate: pd.DataFrame | None = None
    clustering: object = None
    cluster_tests: pd.DataFrame | None = None
    prediction: object = None


def _safe_name(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in label)


def run_workflow(
    source, out_dir, data_dir=None, overwrite: bool = False, n_jobs: int | None = None
) -> RunResult:
    """Run a workflow file (or mapping) and write its results folder.

    Parameters
    ----------
    source : path-like or dict
        The workflow YAML file, or the same content as a mapping.
    out_dir : path-like
        The results folder to create.
    data_dir : path-like, optional
        Data root searched before ``RADIOGENOMICS_DATA`` and the user cache.
    overwrite : bool, default False
        Replace an existing results folder (only once the new one is complete).
    n_jobs : int, optional
        Worker processes for cross-validation and for DCE-MRI phenotypes computed from
        images: a positive integer, or -1 (or None, the default) for the CPUs available.
        Results do not depend on it.

    Returns
    -------
    RunResult
    """
    started = now()
    n_jobs = resolve_workers(n_jobs)
    spec, base_dir = load_workflow(source)
    dce_cases = read_workflow_dce_cases(spec, base_dir)
    protected = _local_inputs(spec, base_dir) + dce_inputs(dce_cases)
    if not isinstance(source, dict):
        protected.append(Path(source))
    if data_dir is not None and not Path(data_dir).is_dir():
        raise FileNotFoundError(f"--data-dir {data_dir} is not a folder")
    with atomic_directory(out_dir, overwrite=overwrite, protected=protected) as folder:
        handler = logging.FileHandler(folder / "run.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        package_logger = logging.getLogger("radiogenomics")
        package_logger.addHandler(handler)
        previous_level = package_logger.level
        if package_logger.getEffectiveLevel() > logging.INFO:
            package_logger.setLevel(logging.INFO)
        try:
            result = _run(spec, base_dir, folder, data_dir, n_jobs, dce_cases)
        finally:
            package_logger.removeHandler(handler)
            package_logger.setLevel(previous_level)
            handler.close()
        outputs = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        seeds = {"workflow": spec["seed"]}
        if dce_cases is not None:
            seeds["dce_random_state"] = spec["cohort"]["features"]["dce_settings"][
                "random_state"]
        write_provenance(
            folder / "provenance.json",
            spec,
            result.cohort.inputs,
            seeds,
            started,
            outputs + ["provenance.json"],
        )
    result.out_dir = Path(out_dir).resolve()
    return result


def _local_inputs(spec: dict, base_dir) -> list[Path]:
    """Return the local table files a workflow reads (``path`` sources and DCE cases)."""
    cohort = spec["cohort"]
    sources = [cohort.get("features") or {}, *(cohort.get("tables") or {}).values()]
    paths = []
    for source in sources:
        if isinstance(source, dict) and "path" in source:
            path = Path(source["path"]).expanduser()
            paths.append(path if path.is_absolute() or base_dir is None else base_dir / path)
    dce_cases = dce_cases_path(spec, base_dir)
    if dce_cases is not None:
        paths.append(dce_cases)
    return paths


def _run(spec: dict, base_dir, folder: Path, data_dir, n_jobs: int,
         dce_cases: list | None = None) -> RunResult:
    from radiogenomics import assoc, pl
    from radiogenomics.io.cohort import build_cohort, compare_labels

    notice = spec.get("notice", "")
    if notice:
        logger.warning("%s", notice)
    figures_dir = folder / "figures"
    figures_dir.mkdir()
    figure_options = {"formats": spec["figures"]["formats"], "dpi": spec["figures"]["dpi"]}
    sections = []

    cohort_spec = spec["cohort"]
    if dce_cases is not None:
        features, dce_inputs, section = compute_dce_features(spec, base_dir, dce_cases, folder,
                                                              n_jobs)
        cohort_spec = {**cohort_spec, "features": features}
        sections.append(section)
    cohort = build_cohort(cohort_spec, data_dir=data_dir, base_dir=base_dir)
    if dce_cases is not None:
        # The computed table lies in the temporary results folder and is an output.
        cohort.inputs.pop(cohort_spec["features"]["path"], None)
        cohort.inputs.update(dce_inputs)
    result = RunResult(out_dir=folder, cohort=cohort)
    write_csv(cohort.table().rename_axis("patient"), folder / "cohort.csv", index=True)
    summary = cohort.label_summary()
    write_csv(summary, folder / "cohort_summary.csv")
    write_csv(cohort.id_report, folder / "identifiers_dropped.csv")
    write_csv(cohort.sources, folder / "cohort_sources.csv")
    body = [f"{cohort.n_patients} patients with {cohort.features.shape[1]} phenotypes. "
            "Patients per input table, and how many of them have phenotypes:",
            md.markdown_table(cohort.sources),
            "Patients per label:",
            md.markdown_table(summary.drop(columns=["kind"])),
            f"{len(cohort.id_report)} identifiers were dropped or duplicated "
            "(`identifiers_dropped.csv`)."]
    for first, second in spec["cohort"].get("compare") or []:
        disagreeing = compare_labels(cohort, first, second)
        stem = f"disagreement_{_safe_name(first)}_{_safe_name(second)}"
        write_csv(disagreeing.reset_index(), folder / f"{stem}.csv")
        both = int(cohort.labels[[first, second]].notna().all(axis=1).sum())
        text = (f"{first} and {second} disagree for {len(disagreeing)} of the {both} "
                f"patients with both (`{stem}.csv`).")
        if both and len(disagreeing) / both > 0.1:
            text += (f" **That is {100 * len(disagreeing) / both:.0f} %; check that both "
                     "sources describe the same samples before using either.**")
        body.append(text)
    sections.append(("Cohort", "\n\n".join(body)))

    analyses = spec["analyses"]
    size = cohort.features[cohort.size_feature] if cohort.size_feature else None
    if "associations" in analyses:
        sections.append(_associations_section(analyses["associations"], cohort, result, size,
                                              folder, figure_options))

    if "univariate_roc" in analyses:
        settings = analyses["univariate_roc"]
        labels = cohort.labels[settings["labels"] or list(cohort.labels.columns)]
        univariate = assoc.univariate_auc(cohort.features, labels)
        result.univariate = univariate
        write_tables(univariate, folder, "univariate_auc")
        if univariate.empty:
            sections.append((
                "Univariate ROC",
                "No AUC was computed: no binary label has at least 2 patients in each class "
                "(`cohort_summary.csv` lists the class counts, `run.log` each skipped label).",
            ))
        else:
            distance = (univariate["auc"] - 0.5).abs()
            top = univariate.loc[distance.sort_values(ascending=False).index[:10]]
            sections.append((
                "Univariate ROC",
                "AUC of each raw phenotype as a score (higher = positive class), DeLong 95 % "
                "CI. The 10 AUCs farthest from 0.5:\n\n" + md.markdown_table(top),
            ))

    if "clustering" in analyses:
        settings = analyses["clustering"]
        clustering = assoc.cluster(
            cohort.features, settings["n_clusters"], settings["patient_linkage"],
            settings["patient_metric"], settings["feature_linkage"], settings["feature_metric"],
            settings["zscore_clip"],
        )
        result.clustering = clustering
        write_csv(clustering.clusters.rename_axis("patient").reset_index(),
                  folder / "clusters.csv")
        test_labels = settings["test_labels"] or [
            d.name for d in cohort.definitions if d.name in cohort.labels]
        tests = assoc.cluster_association(
            clustering.clusters, cohort.labels[test_labels], seed=spec["seed"],
            n_resamples=settings["n_resamples"],
        )
        result.cluster_tests = tests
        write_tables(tests, folder, "cluster_tests")
        tracks = pd.DataFrame(index=cohort.features.index)
        for track in settings["tracks"]:
            if track == "size" and size is not None:
                tracks[f"log {cohort.size_feature}"] = np.log(size)
            else:
                tracks[track] = cohort.labels[track]
        grid = pl.clustered_heatmap(clustering, tracks)
        pl.save_figure(grid.figure, figures_dir / "clustered_heatmap", **figure_options)
        sections.append((
            "Unsupervised clustering",
            clustering.describe() + f" Cluster sizes: "
            f"{clustering.clusters.value_counts().sort_index().to_dict()}.\n\n"
            + md.markdown_table(tests.drop(columns=["table"]))
            + "\n\n" + md.figure_link("clustered_heatmap", "Clustered heat map of z-scores"),
        ))

    if "prediction" in analyses:
        settings = analyses["prediction"]
        prediction = assoc.predict_labels(
            cohort.features, cohort.labels, settings["tasks"], settings["models"],
            settings["max_features"], settings["folds"], settings["repeats"], spec["seed"],
            settings["published"], settings["leave_one_out"], n_jobs=n_jobs,
        )
        result.prediction = prediction
        write_tables(prediction.table, folder, "prediction")
        write_tables(prediction.comparison, folder, "prediction_comparison")
        if prediction.scores:
            pl.save_figure(pl.roc_curves(prediction), figures_dir / "roc_curves",
                           **figure_options)
        missing_tasks = [t for t in settings["tasks"] if t not in set(prediction.table["task"])]
        skipped_tasks = (f"\n\nNot predicted (a class has fewer than 2 patients): "
                         f"{', '.join(missing_tasks)}." if missing_tasks else "")
        if prediction.table.empty:
            sections.append(("Subtype prediction", "No task could be predicted, because "
                             f"every task ({', '.join(missing_tasks)}) has a class with fewer "
                             "than 2 patients (`cohort_summary.csv` lists the class counts)."))
        else:
            sections.append((
                "Subtype prediction",
                "Scaling and feature selection are fitted inside each training fold. AUCs "
                "with DeLong 95 % CIs; `published_auc` is the value reported for the same "
                "phenotypes. Leave-one-out AUCs of weak predictors can fall well below 0.5, "
                "because each held-out case shifts the training class balance against itself; "
                "the repeated k-fold rows are less affected. The `note` column of "
                "`prediction.csv` flags AUCs whose whole interval lies below 0.5; read them as "
                "no signal.\n\n"
                + md.markdown_table(prediction.table.drop(columns=["published_source", "note"]))
                + "\n\nPaired DeLong tests of the models:\n\n"
                + md.markdown_table(prediction.comparison)
                + skipped_tasks
                + ("\n\n" + md.figure_link("roc_curves", "ROC curves (leave-one-out)")
                   if prediction.scores else ""),
            ))

    if "survival" in analyses:
        sections.append(_survival_section(analyses["survival"], cohort, result, size, folder,
                                          figure_options))

    md.write_report(folder / "report.md", sections, spec.get("title") or spec["name"], notice)
    return result


def _associations_section(settings, cohort, result, size, folder, figure_options):
    from radiogenomics import assoc, pl

    figures_dir = folder / "figures"
    labels = cohort.labels[settings["labels"] or list(cohort.labels.columns)]
    associations = assoc.size_controlled_association(
        cohort.features, labels, size, settings["size_transform"], settings["correction"],
        class_names=_class_names(cohort.definitions),
        continuous=[d.name for d in cohort.definitions if d.kind == "continuous"],
    )
    result.associations = associations
    table = associations.table[ASSOCIATION_COLUMNS]
    write_tables(table, folder, "associations")
    skipped_text = ""
    if len(associations.skipped):
        write_csv(associations.skipped, folder / "associations_skipped.csv")
        skipped_text = (f"{len(associations.skipped)} label(s) could not be tested "
                        "(`associations_skipped.csv`):\n\n"
                        + md.markdown_table(associations.skipped))
    size_text = (f"`phenotype ~ label + {settings['size_transform']}({cohort.size_feature})`"
                 if size is not None else "`phenotype ~ label`")
    heading = ("Size-controlled associations" if size is not None
               else "Associations (no size control: cohort.size_feature is not set)")
    fitted = table.dropna(subset=["p"])
    if fitted.empty:
        logger.warning("associations: no label could be tested; see associations_skipped.csv")
        return (heading, f"No label could be tested, so no {size_text} model was fitted. "
                "The reason for each label is listed below, and `cohort_summary.csv` lists "
                "the class counts.\n\n" + skipped_text)

    tested = table.dropna(subset=["q"])
    if len(tested):
        figure = pl.signed_q_heatmap(tested).figure
        pl.save_figure(figure, figures_dir / "association_heatmap", **figure_options)
    for label in tested["label"].unique():
        figure = pl.volcano(tested, label).figure
        pl.save_figure(figure, figures_dir / f"volcano_{_safe_name(label)}", **figure_options)
    hits = associations.significant()
    reported = hits if len(hits) else fitted.astype({"p": float}).nsmallest(10, "p")
    report_columns = ["label", "feature", "n", "beta", "p", "q", "p_without_size"]
    if size is not None:
        report_columns.append("size_collinear")
    return (
        heading,
        f"Each phenotype was fitted as {size_text} by OLS; q is {settings['correction']} "
        f"within each label. {len(hits)} of {len(table)} tests have q < 0.05"
        + ("" if len(hits) else "; the 10 smallest p-values are shown") + ".\n\n"
        + (_size_collinear_text(associations, hits, cohort.size_feature,
                                settings["size_transform"]) + "\n\n"
           if size is not None else "")
        + md.markdown_table(reported[report_columns])
        + ("\n\n" + skipped_text if skipped_text else "")
        + ("\n\n" + md.figure_link("association_heatmap",
                                   "Phenotypes x labels, signed -log10 q")
           + "\n\nVolcano plots: `figures/volcano_<label>.png`." if len(tested) else ""),
    )


def _size_collinear_text(associations, hits, size_feature: str, transform: str) -> str:
    """Return the report sentence on phenotypes that nearly equal the size covariate."""
    from radiogenomics.assoc.association import SIZE_COLLINEAR_R

    covariate = f"{transform}({size_feature})" if transform != "none" else size_feature
    flagged = associations.size_collinear_features()
    if not flagged:
        return (f"No phenotype correlates with the size covariate {covariate} at "
                f"|r| >= {SIZE_COLLINEAR_R} in the tested patients (`size_collinear`).")
    flagged_hits = int(hits["size_collinear"].astype(bool).sum())
    return (
        f"{len(flagged)} phenotype(s) correlate with the size covariate {covariate} at "
        f"|r| >= {SIZE_COLLINEAR_R} in the tested patients: {', '.join(flagged)}. They give "
        f"{flagged_hits} of the {len(hits)} tests with q < 0.05. The size term removes most "
        "of their variance, so their p-values test the small remainder. Compare "
        "`p_without_size`, and see `size_collinear` and `r_size` in `associations.csv`."
    )


def _class_names(definitions) -> dict:
    """Return label name -> ``{1.0: text, 0.0: text}``, the classes of each binary label."""
    names = {}
    for definition in definitions:
        if definition.kind != "binary":
            continue
        if hasattr(definition, "components"):
            components = ", ".join(definition.components)
            names[definition.name] = {1.0: f"{components} all negative",
                                      0.0: f"any of {components} positive"}
        else:
            names[definition.name] = {1.0: ", ".join(map(str, definition.positive)),
                                      0.0: ", ".join(map(str, definition.negative))}
    return names


def _survival_section(settings, cohort, result, size, folder, figure_options):
    from radiogenomics import assoc, pl
    from radiogenomics.errors import TableError

    for key in ("time", "event"):
        if settings[key] not in cohort.clinical.columns:
            raise TableError(
                f"analyses.survival.{key} names column {settings[key]!r}, which no cohort "
                f"table provides; columns: {', '.join(cohort.clinical.columns)}"
            )
    time, event = cohort.clinical[settings["time"]], cohort.clinical[settings["event"]]
    covariates = None
    if settings["size_control"] and size is not None:
        covariates = assoc.transform_size(size).rename("log_size").to_frame()
    cox = assoc.cox_association(cohort.features, time, event, covariates)
    write_tables(cox, folder, "survival_cox")
    if cox["p"].isna().all():
        events = int(pd.to_numeric(event, errors="coerce").reindex(cohort.features.index).sum())
        return ("Survival", f"No Cox model was fitted: the imaged patients have {events} "
                f"event(s) in `{settings['event']}`, and a model needs at least 2. "
                "`survival_cox.csv` lists the phenotypes with empty estimates.")
    body = ("Cox proportional-hazards model of each phenotype (hazard ratio per SD"
            + (", adjusted for log tumour size" if covariates is not None else "")
            + f"); {int((cox['q'] < 0.05).sum())} of {len(cox)} phenotypes have q < 0.05.\n\n"
            + md.markdown_table(cox.nsmallest(10, "p")))
    if result.clustering is not None:
        logrank = assoc.logrank_test(time, event, result.clustering.clusters)
        write_csv(pd.DataFrame([logrank]), folder / "survival_logrank_clusters.csv")
        axes = pl.kaplan_meier(time, event, result.clustering.clusters,
                               title=f"Patient clusters, log-rank p = {logrank['p']:.3g}",
                               time_unit=settings["time_unit"])
        pl.save_figure(axes.figure, folder / "figures" / "km_clusters", **figure_options)
        body += (f"\n\nLog-rank test of the patient clusters: chi-square {logrank['chi2']:.3g} "
                 f"on {logrank['dof']} df, p = {logrank['p']:.3g} ({logrank['n']} patients, "
                 f"{logrank['events']} events).\n\n"
                 + md.figure_link("km_clusters", "Kaplan-Meier curves of the patient clusters"))
    return ("Survival", body)


def resolve_workers(n_jobs: int | None, option: str = "n_jobs") -> int:
    """Return the number of worker processes that ``n_jobs`` requests.

    Parameters
    ----------
    n_jobs : int or None
        A positive number of workers, or ``None`` or -1 for every CPU available to this
        process.
    option : str
        The name of the argument in error messages, e.g. ``"--jobs"``.

    Raises
    ------
    RadiogenomicsError
        If ``n_jobs`` is 0, a negative number other than -1, or not an integer.
    """
    from radiogenomics.errors import RadiogenomicsError

    if n_jobs is None or n_jobs == -1:
        return default_workers()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int):
        raise RadiogenomicsError(
            f"{option} must be an integer (worker processes), or -1 for all CPUs; got {n_jobs!r}"
        )
    if n_jobs == 0:
        raise RadiogenomicsError(
            f"{option} 0 starts no worker; give 1 or more, or -1 for all CPUs"
        )
    if n_jobs < 0:
        raise RadiogenomicsError(
            f"{option} {n_jobs} is not a valid number of worker processes; give 1 or more, "
            "or -1 for all CPUs"
        )
    return n_jobs


def default_workers() -> int:
    """Return the number of worker processes to use: the CPUs available to this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
