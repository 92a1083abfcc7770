"""Workflow files: reading, defaults and validation."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from radiogenomics.errors import WorkflowError

_TOP_LEVEL = {"name", "title", "description", "seed", "cohort", "analyses", "figures", "notice"}
_ANALYSES = {"associations", "univariate_roc", "clustering", "prediction", "survival"}

DEFAULTS = {
    "seed": 0,
    "analyses": {},
    "figures": {"dpi": 300, "formats": ["png", "pdf"]},
}
ANALYSIS_DEFAULTS = {
    "associations": {"size_transform": "log", "correction": "fdr_bh", "labels": None},
    "univariate_roc": {"labels": None},
    "clustering": {
        "n_clusters": 3,
        "patient_linkage": "ward",
        "patient_metric": "euclidean",
        "feature_linkage": "average",
        "feature_metric": "correlation",
        "zscore_clip": None,
        "tracks": [],
        "test_labels": None,
        "n_resamples": 20000,
    },
    "prediction": {
        "tasks": [],
        "models": ["lda_stepwise", "logistic_l2"],
        "max_features": 5,
        "folds": 5,
        "repeats": 20,
        "leave_one_out": True,
        "published": {},
    },
    "survival": {"time": None, "event": None, "time_unit": "days", "size_control": True},
}


def load_workflow(source: str | os.PathLike | dict) -> tuple[dict, Path | None]:
    """Read a workflow from a YAML file or a mapping, fill in defaults and validate it.

    Returns
    -------
    spec : dict
        The resolved workflow, with every default written out (it goes into provenance).
    base_dir : pathlib.Path or None
        The folder of the workflow file, against which relative table paths resolve.
    """
    base_dir = None
    if isinstance(source, dict):
        raw = copy.deepcopy(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"workflow file {path} not found")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise WorkflowError(f"workflow file {path} is not valid YAML: {error}") from error
        base_dir = path.resolve().parent
    if not isinstance(raw, dict):
        raise WorkflowError("a workflow must be a mapping with name, cohort and analyses")
    return validate(raw), base_dir


def validate(raw: dict) -> dict:
    """Check a workflow mapping and return it with defaults filled in."""
    unknown = sorted(set(raw) - _TOP_LEVEL)
    if unknown:
        raise WorkflowError(
            f"unknown workflow key(s) {unknown}; allowed: {', '.join(sorted(_TOP_LEVEL))}"
        )
    for key in ("name", "cohort"):
        if key not in raw:
            raise WorkflowError(f"the workflow lacks the required key {key!r}")
    spec = copy.deepcopy(DEFAULTS)
    spec.update(copy.deepcopy(raw))
    if not isinstance(spec["seed"], int):
        raise WorkflowError(f"seed must be an integer, got {spec['seed']!r}")

    analyses = spec.get("analyses") or {}
    unknown = sorted(set(analyses) - _ANALYSES)
    if unknown:
        raise WorkflowError(
            f"unknown analysis {unknown}; available: {', '.join(sorted(_ANALYSES))}"
        )
    resolved = {}
    for name, settings in analyses.items():
        settings = settings or {}
        allowed = set(ANALYSIS_DEFAULTS[name])
        extra = sorted(set(settings) - allowed)
        if extra:
            raise WorkflowError(
                f"analysis {name!r} has unknown setting(s) {extra}; allowed: "
                f"{', '.join(sorted(allowed))}"
            )
        resolved[name] = {**copy.deepcopy(ANALYSIS_DEFAULTS[name]), **settings}
    spec["analyses"] = resolved

    figures = {**DEFAULTS["figures"], **(spec.get("figures") or {})}
    bad_formats = sorted(set(figures["formats"]) - {"png", "pdf", "svg"})
    if bad_formats:
        raise WorkflowError(f"figure formats {bad_formats} are not png, pdf or svg")
    spec["figures"] = figures

    labels = set(spec["cohort"].get("labels") or {})
    for name in ("associations", "univariate_roc"):
        chosen = resolved.get(name, {}).get("labels")
        _check_names(chosen, labels, f"analyses.{name}.labels")
    if "clustering" in resolved:
        _check_names(resolved["clustering"]["test_labels"], labels, "clustering.test_labels")
        _check_names([t for t in resolved["clustering"]["tracks"] if t != "size"], labels,
                     "clustering.tracks")
    if "survival" in resolved:
        for key in ("time", "event"):
            if not resolved["survival"][key]:
                raise WorkflowError(
                    f"analyses.survival needs '{key}': the cohort column of the follow-up "
                    "time or of the event indicator (1 = event, 0 = censored)"
                )
    if "prediction" in resolved:
        _check_names(resolved["prediction"]["tasks"], labels, "prediction.tasks")
    return spec


def _check_names(chosen, defined: set, where: str) -> None:
    if not chosen:
        return
    # Per-level labels of one-vs-rest factors (e.g. PAM50_LumA) are checked when the cohort
    # is built, because they depend on the factor's levels.
    missing = [name for name in chosen if name not in defined and "_" not in name]
    missing += [n for n in chosen if "_" in n and n not in defined
                and not any(n.startswith(f"{d}_") for d in defined)]
    if missing:
        raise WorkflowError(
            f"{where} names undefined label(s) {missing}; defined labels: "
            f"{', '.join(sorted(defined))}"
        )
