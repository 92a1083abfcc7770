"""The TCGA-BRCA cohort: label counts stated for the real data, and label coding rules."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from radiogenomics.io.cohort import build_cohort, compare_labels
from radiogenomics.io.labels import encode_labels, parse_label

WORKFLOW = Path(__file__).resolve().parents[2] / "workflows" / "tcga_brca_mri.yaml"


def test_real_cohort_label_counts(data_root):
    cohort = build_cohort(yaml.safe_load(WORKFLOW.read_text())["cohort"], data_dir=data_root)
    summary = cohort.label_summary().set_index("label")
    assert cohort.n_patients == 91
    assert cohort.features.shape[1] == 36
    # Counts stated by the data's documentation: 61 patients with ER and PR, 41 with HER2,
    # 87 with the expression table's ER (63 positive), 84 with a PAM50 call.
    assert summary.loc["ER", "n"] == 61
    assert summary.loc["ER", "n_positive"] == 53
    assert summary.loc["ER", "n_negative"] == 8
    assert summary.loc["PR", "n"] == 61
    assert summary.loc["HER2", "n"] == 41
    assert summary.loc["ER_expression", "n"] == 87
    assert summary.loc["ER_expression", "n_positive"] == 63
    assert summary.loc["PAM50", "levels"] == "LumA 55; LumB 10; Her2 5; Basal 10; Normal 4"
    assert summary.loc["TP53", "n"] == 90


def test_er_sources_disagreement_is_listed(data_root):
    cohort = build_cohort(yaml.safe_load(WORKFLOW.read_text())["cohort"], data_dir=data_root)
    disagreeing = compare_labels(cohort, "ER", "ER_expression")
    both = cohort.labels[["ER", "ER_expression"]].dropna()
    assert len(disagreeing) == int((both["ER"] != both["ER_expression"]).sum())
    assert (disagreeing["ER"] != disagreeing["ER_expression"]).all()


def test_her2_equivocal_counts_as_missing():
    table = pd.DataFrame({"her2": ["Positive", "Negative", "Equivocal", "[Not Evaluated]"]})
    label = parse_label("HER2", {"column": "her2", "positive": ["Positive"],
                                 "negative": ["Negative"],
                                 "missing": ["Equivocal", "[Not Evaluated]"]})
    coded = encode_labels(table, [label])["HER2"]
    assert coded.iloc[:2].tolist() == [1.0, 0.0]
    assert coded.iloc[2:].isna().all()


def test_triple_negative_rule():
    table = pd.DataFrame({"er": [0, 0, 1, 0, np.nan], "pr": [0, 0, 0, np.nan, 0],
                          "her2": [0, 1, 0, 0, 1]})
    definitions = [parse_label(n, {"column": n.lower(), "positive": [1], "negative": [0]})
                   for n in ("ER", "PR", "HER2")]
    definitions.append(parse_label("TN", {"all_negative": ["ER", "PR", "HER2"]}))
    coded = encode_labels(table, definitions)["TN"]
    assert coded.iloc[0] == 1.0
    assert coded.iloc[1] == 0.0
    assert coded.iloc[2] == 0.0
    assert np.isnan(coded.iloc[3])
    assert coded.iloc[4] == 0.0
