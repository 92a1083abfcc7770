"""Convex hull of lattice points with exact integer arithmetic (quickhull).

Marching cubes at level 0.5 on a binary mask puts every vertex halfway between two voxel
centres, so twice the vertex index coordinates are integers. Orientation tests on those
integers are exact, which makes the many coplanar points of a voxel surface harmless. A
hand-written hull also keeps ``scipy.spatial`` (about 0.1 s and 12 MB to import) out of a
feature extraction.

References
----------
Barber CB, Dobkin DP, Huhdanpaa H, "The quickhull algorithm for convex hulls", ACM
Transactions on Mathematical Software 22:469-483 (1996).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Hull:
    """A closed convex polyhedron.

    Attributes
    ----------
    points : numpy.ndarray of int64, shape (n, 3)
        Input points.
    faces : numpy.ndarray of int64, shape (m, 3)
        Triangles as indices into ``points``, counter-clockwise seen from outside.
    """

    points: np.ndarray
    faces: np.ndarray

    @property
    def vertices(self) -> np.ndarray:
        """Indices of the points the triangles use.

        These include every corner of the hull and may include points that lie on a face
        or an edge of it, which leave volume, area and diameter unchanged.
        """
        return np.unique(self.faces)

    def volume_and_area(self, scale=(1.0, 1.0, 1.0)) -> tuple[float, float]:
        """Return volume and surface area after scaling each axis by ``scale``."""
        coordinates = self.points * np.asarray(scale, dtype=np.float64)
        a, b, c = (coordinates[self.faces[:, k]] for k in range(3))
        volume = np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0
        area = np.linalg.norm(np.cross(b - a, c - a), axis=1).sum() / 2.0
        return float(volume), float(area)


def _plane(coordinates, a, b, c):
    """Return the outward normal and offset of triangle ``a, b, c`` as Python integers.

    Python integers are exact at any size and faster than numpy for single 3-vectors.
    """
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = coordinates[a], coordinates[b], coordinates[c]
    ux, uy, uz = bx - ax, by - ay, bz - az
    vx, vy, vz = cx - ax, cy - ay, cz - az
    normal = (uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx)
    return normal, normal[0] * ax + normal[1] * ay + normal[2] * az


def _height(normal, offset, point) -> int:
    return normal[0] * point[0] + normal[1] * point[1] + normal[2] * point[2] - offset


def _initial_simplex(points: np.ndarray) -> list[int] | None:
    """Return four affinely independent point indices, or None for flat input."""
    first = int(np.argmin(points[:, 0]))
    offsets = points - points[first]
    second = int(np.argmax(np.einsum("ij,ij->i", offsets, offsets)))
    direction = points[second] - points[first]
    spread = np.cross(offsets, direction)
    third = int(np.argmax(np.einsum("ij,ij->i", spread, spread)))
    normal = np.cross(direction, points[third] - points[first])
    if not normal.any():
        return None
    heights = offsets @ normal
    fourth = int(np.argmax(np.abs(heights)))
    if heights[fourth] == 0:
        return None
    if heights[fourth] > 0:
        # Keep the first three counter-clockwise seen from outside, away from the fourth.
        second, third = third, second
    return [first, second, third, fourth]


def convex_hull(points) -> Hull | None:
    """Compute the convex hull of integer points.

    Parameters
    ----------
    points : array_like of int, shape (n, 3)
        Coordinates small enough that products of three differences fit in int64
        (below about 2e6 per axis).

    Returns
    -------
    Hull or None
        None when all points lie in one plane, so the hull has no volume.
    """
    points = np.asarray(points, dtype=np.int64)
    if len(points) < 4:
        return None
    simplex = _initial_simplex(points)
    if simplex is None:
        return None
    a, b, c, d = simplex
    coordinates = points.tolist()

    faces: dict[int, tuple[int, int, int]] = {}
    planes: dict[int, tuple[np.ndarray, int]] = {}
    edges: dict[tuple[int, int], int] = {}
    outside: dict[int, np.ndarray] = {}
    counter = 0

    def add_face(u, v, w):
        nonlocal counter
        faces[counter] = (u, v, w)
        planes[counter] = _plane(coordinates, u, v, w)
        for edge in ((u, v), (v, w), (w, u)):
            edges[edge] = counter
        counter += 1
        return counter - 1

    def remove_face(face):
        u, v, w = faces.pop(face)
        planes.pop(face)
        outside.pop(face, None)
        for edge in ((u, v), (v, w), (w, u)):
            if edges.get(edge) == face:
                del edges[edge]

    def assign(candidates, new_faces):
        """Give each candidate to the new face it is farthest above; drop the rest."""
        if candidates.size == 0 or not new_faces:
            return []
        normals = np.array([planes[f][0] for f in new_faces])
        offsets = np.array([planes[f][1] for f in new_faces])
        heights = points[candidates] @ normals.T - offsets
        best = np.argmax(heights, axis=1)
        above = heights[np.arange(len(candidates)), best] > 0
        pending = []
        for column, face in enumerate(new_faces):
            chosen = candidates[above & (best == column)]
            if chosen.size:
                outside[face] = chosen
                pending.append(face)
        return pending

    initial = [add_face(a, b, c), add_face(a, d, b), add_face(b, d, c), add_face(c, d, a)]
    others = np.setdiff1d(np.arange(len(points)), simplex)
    stack = assign(others, initial)

    while stack:
        face = stack.pop()
        if face not in faces or face not in outside:
            continue
        candidates = outside[face]
        normal, offset = planes[face]
        apex = int(candidates[np.argmax(points[candidates] @ np.array(normal) - offset)])
        apex_point = coordinates[apex]

        # Faces that see the apex form a connected patch around ``face``.
        visible = {face}
        frontier = [face]
        while frontier:
            current = frontier.pop()
            u, v, w = faces[current]
            for edge in ((v, u), (w, v), (u, w)):
                neighbour = edges.get(edge)
                if neighbour is None or neighbour in visible:
                    continue
                if _height(*planes[neighbour], apex_point) > 0:
                    visible.add(neighbour)
                    frontier.append(neighbour)

        horizon = []
        orphans = []
        for current in visible:
            u, v, w = faces[current]
            for edge in ((u, v), (v, w), (w, u)):
                if edges.get((edge[1], edge[0])) not in visible:
                    horizon.append(edge)
            if current in outside:
                orphans.append(outside[current])
        for current in visible:
            remove_face(current)

        new_faces = [add_face(u, v, apex) for u, v in horizon]
        candidates = np.concatenate(orphans)
        stack.extend(assign(candidates[candidates != apex], new_faces))

    return Hull(points, np.array(list(faces.values()), dtype=np.int64))
