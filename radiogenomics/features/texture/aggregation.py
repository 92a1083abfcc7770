"""Aggregation methods of the IBSI texture families and the column suffixes they produce.

Direction-based families (GLCM, GLRLM) have six methods; the zone and neighbourhood
families (GLSZM, GLDZM, NGTDM, NGLDM) have three, because their matrices have no direction.
Codes and suffixes follow the IBSI 1 reference manual (Zwanenburg et al., Radiology 2020).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from radiogenomics.features.texture._validation import TextureInputError


class Aggregation(NamedTuple):
    """One IBSI aggregation method: its name here, column suffix and IBSI code."""

    name: str
    suffix: str
    ibsi_code: str
    description: str


DIRECTIONAL_AGGREGATIONS: dict[str, Aggregation] = {
    a.name: a
    for a in (
        Aggregation("2d_avg", "2D_avg", "BTW3", "per slice and 2D direction, averaged"),
        Aggregation("2d_mrg", "2D_comb", "SUJT", "2D directions merged per slice, averaged"),
        Aggregation("2.5d_avg", "2_5D_avg", "JJUI", "slices merged per 2D direction, averaged"),
        Aggregation("2.5d_mrg", "2_5D_comb", "ZW7Z", "all slices and 2D directions merged"),
        Aggregation("3d_avg", "3D_avg", "ITBB", "per 3D direction, averaged"),
        Aggregation("3d_mrg", "3D_comb", "IAZD", "all 3D directions merged"),
    )
}

VOLUME_AGGREGATIONS: dict[str, Aggregation] = {
    a.name: a
    for a in (
        Aggregation("2d", "2D", "8QNN", "per slice, averaged over slices"),
        Aggregation("2.5d", "2_5D", "62GR", "all slices merged"),
        Aggregation("3d", "3D", "KOBO", "one 3D matrix"),
    )
}


def parse_directional(aggregation: str | Iterable[str]) -> list[str]:
    """Return the requested direction-based aggregations as a list of known names."""
    return _parse(aggregation, DIRECTIONAL_AGGREGATIONS, aliases={})


def parse_volume(aggregation: str | Iterable[str]) -> list[str]:
    """Return the requested zone or neighbourhood aggregations as known names.

    The direction-based names are accepted too, because one setting often serves all six
    families: ``"3d_avg"`` and ``"3d_mrg"`` both mean ``"3d"`` here.
    """
    aliases = {name: name.split("_")[0] for name in DIRECTIONAL_AGGREGATIONS}
    return _parse(aggregation, VOLUME_AGGREGATIONS, aliases=aliases)


def _parse(aggregation, known: dict[str, Aggregation], aliases: dict[str, str]) -> list[str]:
    requested = [aggregation] if isinstance(aggregation, str) else list(aggregation)
    if not requested:
        raise TextureInputError(f"aggregation is empty: request at least one of {sorted(known)}")
    names: list[str] = []
    for item in requested:
        name = aliases.get(str(item).lower(), str(item).lower())
        if name not in known:
            accepted = sorted({*known, *aliases})
            raise TextureInputError(
                f"unknown texture aggregation {item!r}: use one of {accepted}"
            )
        if name not in names:
            names.append(name)
    return names
