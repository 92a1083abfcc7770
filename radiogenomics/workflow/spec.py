"""Workflow files: reading, defaults and validation."""

from __future__ import annotations

import copy
import difflib
import logging
import os
from pathlib import Path

import yaml

from radiogenomics.errors import WorkflowError

logger = logging.getLogger(__name__)

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


_LINKAGES = {"single", "complete", "average", "weighted", "centroid", "median", "ward"}
_METRICS = {"braycurtis", "canberra", "chebyshev", "cityblock", "correlation", "cosine",
            "euclidean", "jensenshannon", "minkowski", "sqeuclidean"}
_CORRECTIONS = {"fdr_bh", "bh", "fdr_by", "by", "holm", "bonferroni", "qvalue", "storey"}
_MODELS = {"lda_stepwise", "lda_kbest", "logistic_l2"}


def _integer(where: str, value, minimum: int, maximum: int | None = None) -> None:
    valid = not isinstance(value, bool) and isinstance(value, int) and value >= minimum
    if maximum is None:
        if not valid:
            raise WorkflowError(
                f"{where} must be an integer of at least {minimum}, got {value!r}"
            )
    elif not valid or value > maximum:
        raise WorkflowError(
            f"{where} must be an integer from {minimum} to {maximum}, got {value!r}"
        )


def _choice(where: str, value, choices) -> None:
    if value not in choices:
        raise WorkflowError(
            f"{where} is {value!r}; choose one of {', '.join(sorted(choices))}"
        )


def _names(where: str, value, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WorkflowError(f"{where} must be a list of names, got {value!r}")


def _mapping(where: str, value) -> None:
    if not isinstance(value, dict):
        raise WorkflowError(f"{where} must be a mapping (key: value lines), got {value!r}")


def _check_settings(resolved: dict, spec: dict) -> None:
    """Check the type and range of every analysis setting before anything runs."""
    if "associations" in resolved:
        settings = resolved["associations"]
        _choice("associations.size_transform", settings["size_transform"],
                {"log", "log10", "none"})
        _choice("associations.correction", settings["correction"], _CORRECTIONS)
        _names("associations.labels", settings["labels"])
    if "univariate_roc" in resolved:
        _names("univariate_roc.labels", resolved["univariate_roc"]["labels"])
    if "clustering" in resolved:
        settings = resolved["clustering"]
        _integer("clustering.n_clusters", settings["n_clusters"], 2)
        _integer("clustering.n_resamples", settings["n_resamples"], 100)
        _choice("clustering.patient_linkage", settings["patient_linkage"], _LINKAGES)
        _choice("clustering.feature_linkage", settings["feature_linkage"], _LINKAGES)
        _choice("clustering.patient_metric", settings["patient_metric"], _METRICS)
        _choice("clustering.feature_metric", settings["feature_metric"], _METRICS)
        for axis in ("patient", "feature"):
            if settings[f"{axis}_linkage"] in ("ward", "centroid", "median") and settings[
                    f"{axis}_metric"] != "euclidean":
                raise WorkflowError(
                    f"clustering.{axis}_linkage {settings[f'{axis}_linkage']!r} needs "
                    f"{axis}_metric 'euclidean', not {settings[f'{axis}_metric']!r}"
                )
        clip = settings["zscore_clip"]
        if clip is not None and (isinstance(clip, bool) or not isinstance(clip, (int, float))
                                 or clip <= 0):
            raise WorkflowError(f"clustering.zscore_clip must be a positive number, got {clip!r}")
        _names("clustering.tracks", settings["tracks"], allow_none=False)
        _names("clustering.test_labels", settings["test_labels"])
        if "size" in settings["tracks"] and not spec["cohort"].get("size_feature"):
            raise WorkflowError(
                "clustering.tracks lists 'size', but cohort.size_feature is not set; name the "
                "phenotype that measures tumour size there, or drop the track"
            )
    if "prediction" in resolved:
        settings = resolved["prediction"]
        _names("prediction.tasks", settings["tasks"], allow_none=False)
        _names("prediction.models", settings["models"], allow_none=False)
        for model in settings["models"]:
            _choice("a prediction.models entry", model, _MODELS)
        _integer("prediction.max_features", settings["max_features"], 1)
        _integer("prediction.folds", settings["folds"], 2)
        _integer("prediction.repeats", settings["repeats"], 0)
        if not isinstance(settings["leave_one_out"], bool):
            raise WorkflowError(
                f"prediction.leave_one_out must be true or false, got "
                f"{settings['leave_one_out']!r}"
            )
        _mapping("prediction.published", settings["published"])
        for task, entry in settings["published"].items():
            if task not in settings["tasks"]:
                logger.warning("prediction.published names %r, which is not a prediction "
                               "task; its value is not shown", task)
            if isinstance(entry, dict):
                _check_keys(f"prediction.published.{task}", entry, _PUBLISHED_KEYS)
            auc = entry.get("auc") if isinstance(entry, dict) else None
            if isinstance(auc, bool) or not isinstance(auc, (int, float)) or not 0 <= auc <= 1:
                raise WorkflowError(
                    f"prediction.published.{task} needs 'auc', a number in [0, 1]; got {entry!r}"
                )
    if "survival" in resolved:
        if not isinstance(resolved["survival"]["size_control"], bool):
            raise WorkflowError("survival.size_control must be true or false")


def _check_figures(figures: dict) -> None:
    unknown = sorted(set(figures) - set(DEFAULTS["figures"]))
    if unknown:
        raise WorkflowError(f"unknown figures setting(s) {unknown}; allowed: dpi, formats")
    _integer("figures.dpi", figures["dpi"], 10)
    _names("figures.formats", figures["formats"], allow_none=False)
    bad_formats = sorted(set(figures["formats"]) - {"png", "pdf", "svg"})
    if bad_formats:
        raise WorkflowError(f"figure formats {bad_formats} are not png, pdf or svg")


_COHORT_KEYS = {"id_format", "size_feature", "features", "tables", "labels", "compare"}
_TABLE_KEYS = {"path", "dataset", "file", "id_column", "columns", "transpose", "sep", "sheet"}
# The keys of each kind of label, in the order in which parse_label checks for the kinds.
_LABEL_KEYS = {
    "combination": {"all_negative"},
    "continuous": {"column", "continuous"},
    "factor": {"column", "levels", "one_vs_rest"},
    "binary": {"column", "positive", "negative", "missing"},
}
_PUBLISHED_KEYS = {"auc", "source"}


def _check_keys(where: str, mapping: dict, allowed: set) -> None:
    """Raise :class:`WorkflowError` naming the keys of ``mapping`` outside ``allowed``."""
    unknown = sorted(set(mapping) - allowed, key=str)
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        if close:
            hints.append(f"{close[0]!r} for {key!r}")
    hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
    raise WorkflowError(
        f"{where} has unknown key(s) {unknown}{hint}; allowed: {', '.join(sorted(allowed))}"
    )


def _check_table_source(name: str, source, extra_keys: set = frozenset()) -> None:
    where = "cohort.features" if name == "features" else f"cohort.tables.{name}"
    _mapping(where, source)
    _check_keys(where, source, _TABLE_KEYS | extra_keys)
    has_path = "path" in source
    has_dataset = "dataset" in source or "file" in source
    if has_path and has_dataset:
        raise WorkflowError(
            f"{where} gives both 'path' and 'dataset'/'file'; keep 'path' for a local file "
            "or 'dataset' and 'file' for a registered dataset file"
        )
    if not has_path and not ("dataset" in source and "file" in source):
        raise WorkflowError(
            f"{where} needs either 'path' (a local table file) or both 'dataset' and 'file' "
            f"(a registered dataset file); got keys {sorted(source, key=str)}"
        )
    if "id_column" not in source:
        raise WorkflowError(
            f"{where} needs 'id_column', the column (name or 0-based position) of the "
            "patient identifiers"
        )
    if "transpose" in source and not isinstance(source["transpose"], bool):
        raise WorkflowError(
            f"cohort table {name!r}: transpose must be true or false, got "
            f"{source['transpose']!r}"
        )
    if "exclude" in source:
        _names(f"{where}.exclude", source["exclude"], allow_none=False)


def _label_kind(definition: dict) -> str:
    if "all_negative" in definition:
        return "combination"
    if definition.get("continuous"):
        return "continuous"
    if "levels" in definition:
        return "factor"
    return "binary"


def _check_label(name: str, definition) -> None:
    where = f"cohort.labels.{name}"
    _mapping(where, definition)
    _check_keys(where, definition, set().union(*_LABEL_KEYS.values()))
    kind = _label_kind(definition)
    foreign = sorted(set(definition) - _LABEL_KEYS[kind])
    if foreign:
        raise WorkflowError(
            f"{where} is a {kind} label, which takes only "
            f"{', '.join(sorted(_LABEL_KEYS[kind]))}; remove {foreign}"
        )


def _check_cohort(cohort) -> None:
    _mapping("cohort", cohort)
    _check_keys("cohort", cohort, _COHORT_KEYS)
    for key in ("tables", "labels"):
        if cohort.get(key) is not None:
            _mapping(f"cohort.{key}", cohort[key])
    if cohort.get("labels") == {}:
        raise WorkflowError(
            "cohort.labels is empty; define at least one label (column with positive and "
            "negative values, levels, or continuous: true), or remove the block"
        )
    _choice("cohort.id_format", cohort.get("id_format", "tcga"), {"tcga", "plain"})
    size_feature = cohort.get("size_feature")
    if size_feature is not None and (not isinstance(size_feature, str) or not size_feature):
        raise WorkflowError(
            f"cohort.size_feature must be the name of a feature column, got {size_feature!r}"
        )
    # A missing features table is reported when the cohort is built.
    features = cohort.get("features")
    if isinstance(features, dict) and "dce_cases" in features:
        _check_dce_source(features)
    elif features is not None:
        _check_table_source("features", features, extra_keys={"exclude"})
    for name, source in (cohort.get("tables") or {}).items():
        _check_table_source(name, source)
    for name, definition in (cohort.get("labels") or {}).items():
        _check_label(name, definition)
    labels = set(cohort.get("labels") or {})
    for pair in cohort.get("compare") or []:
        if not isinstance(pair, list) or len(pair) != 2:
            raise WorkflowError(
                f"cohort.compare entries are pairs of label names such as [ER, ER_expression]; "
                f"got {pair!r}"
            )
        _check_names(pair, labels, "cohort.compare")


_DCE_SOURCE_KEYS = {"dce_cases", "dce_settings", "exclude"}


def _check_dce_source(features: dict) -> None:
    """Check a ``features`` source computed from DCE-MRI images, and fill in its settings.

    ``dce_cases`` names a cases file, as read by
    :func:`radiogenomics.features.dce.read_dce_cases`. The optional ``dce_settings`` mapping
    contains keyword arguments of :func:`radiogenomics.features.dce.compute_dce_phenotypes`.
    Every default is written into ``dce_settings``, so the provenance records the settings
    the phenotypes used.
    """
    from radiogenomics.features.dce.cases import DCESettingsError, resolve_dce_settings

    extra = sorted(set(features) - _DCE_SOURCE_KEYS)
    if extra:
        raise WorkflowError(
            f"cohort.features with dce_cases computes the phenotype table from images, so it "
            f"takes no {extra}; allowed keys: {', '.join(sorted(_DCE_SOURCE_KEYS))}"
        )
    path = features["dce_cases"]
    if not isinstance(path, str) or not path.strip():
        raise WorkflowError(
            f"cohort.features.dce_cases must be the path of a cases file (CSV), got {path!r}"
        )
    settings = features.get("dce_settings") or {}
    _mapping("cohort.features.dce_settings", settings)
    try:
        features["dce_settings"] = resolve_dce_settings(settings)
    except DCESettingsError as error:
        raise WorkflowError(f"cohort.features.dce_settings: {error}") from error
    if "exclude" in features:
        _names("cohort.features.exclude", features["exclude"], allow_none=False)


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
    # scikit-learn and NumPy's legacy seeding accept seeds from 0 to 2**32 - 1 only.
    _integer("seed", spec["seed"], 0, maximum=2**32 - 1)
    _check_cohort(spec["cohort"])

    analyses = spec.get("analyses") or {}
    _mapping("analyses", analyses)
    unknown = sorted(set(analyses) - _ANALYSES)
    if unknown:
        raise WorkflowError(
            f"unknown analysis {unknown}; available: {', '.join(sorted(_ANALYSES))}"
        )
    resolved = {}
    for name, settings in analyses.items():
        settings = settings or {}
        _mapping(f"analyses.{name}", settings)
        allowed = set(ANALYSIS_DEFAULTS[name])
        extra = sorted(set(settings) - allowed)
        if extra:
            raise WorkflowError(
                f"analysis {name!r} has unknown setting(s) {extra}; allowed: "
                f"{', '.join(sorted(allowed))}"
            )
        resolved[name] = {**copy.deepcopy(ANALYSIS_DEFAULTS[name]), **settings}
    spec["analyses"] = resolved

    _mapping("figures", spec.get("figures") or {})
    figures = {**DEFAULTS["figures"], **(spec.get("figures") or {})}
    _check_figures(figures)
    spec["figures"] = figures
    _check_settings(resolved, spec)

    labels = set(spec["cohort"].get("labels") or {})
    for name in ("associations", "univariate_roc"):
        if name in resolved and not labels:
            raise WorkflowError(
                f"analyses.{name} tests phenotypes against labels, but cohort.labels defines "
                f"none; define at least one label in cohort.labels, or remove analyses.{name}"
            )
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
