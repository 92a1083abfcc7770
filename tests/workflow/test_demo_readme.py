"""The demo's simulated/README.md names the phenotypes that carry each planted effect."""

import re

import pytest

from radiogenomics.workflow.demo import (
    DERIVED,
    NOISE,
    PLANTED,
    _simulation_readme,
    simulate_cohort,
)


@pytest.fixture(scope="module")
def bullets():
    """The README's bullets on what the phenotypes carry, keyed by their bold heading."""
    text = _simulation_readme(2024, simulate_cohort(20, seed=2024))
    found = re.findall(r"^- \*\*([^*\n]+?):\*\* (.+?)(?=^- |^$)", text, flags=re.M | re.S)
    return {heading: " ".join(body.split()) for heading, body in found}


def test_readme_has_one_bullet_per_role(bullets):
    assert list(bullets) == [
        "Subtype, directly",
        "Subtype, through the planted kinetic curve",
        "Expression score, directly",
        "Expression score, through the edge blur",
        "Noise, once size is controlled",
    ]


def test_uptake_rate_is_kinetic(bullets):
    kinetic = bullets["Subtype, through the planted kinetic curve"]
    assert "Uptake rate (K3)" in kinetic
    assert "K3 = K1 / K2" in kinetic
    assert "Uptake rate" not in bullets["Noise, once size is controlled"]


def test_sum_average_follows_margin_blur(bullets):
    assert "Sum Average (T11)" in bullets["Expression score, through the edge blur"]
    assert "T11" not in bullets["Noise, once size is controlled"]


@pytest.mark.parametrize(("kind", "heading"), [
    ("subtype", "Subtype"), ("expression", "Expression score")])
def test_constants_match_readme(bullets, kind, heading):
    for feature in PLANTED[kind]:
        assert feature in bullets[f"{heading}, directly"], feature
    derived = [body for name, body in bullets.items()
               if name.startswith(f"{heading}, through")]
    assert len(derived) == 1
    for feature in DERIVED[kind]:
        short = feature.rsplit("(", 1)[1].rstrip(")")
        assert feature in derived[0] or short in derived[0], feature


def test_noise_list_matches_demo_test(bullets):
    noise = bullets["Noise, once size is controlled"]
    listed = noise.split(". ")[0]
    expected = list(NOISE)
    for feature in expected:
        assert feature in listed, feature
    codes = re.findall(r"\(([A-Z]\d+)\)", listed)
    assert sorted(codes) == sorted(re.search(r"\(([A-Z]\d+)\)$", f).group(1) for f in expected)
