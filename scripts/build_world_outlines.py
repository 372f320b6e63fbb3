"""Build the country outlines the node's maps draw (roaming/drawing/world.json).

Source: ``countries-110m.json`` of the npm package ``world-atlas`` (2.0.2), a TopoJSON copy of
Natural Earth's 1:110m Admin 0 countries. Natural Earth is in the public domain; world-atlas's
own files are under the ISC licence. To rebuild:

    curl -sL https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz | tar xz
    python scripts/build_world_outlines.py package/countries-110m.json roaming/drawing/world.json

The script decodes the TopoJSON arcs into rings of longitude/latitude, simplifies each ring
(Douglas-Peucker, ``TOLERANCE`` degrees), moves the part of a ring west of the
antimeridian past 180 degrees east, leaves Antarctica out, drops rings smaller than ``SMALLEST_AREA`` square
degrees, and writes each country as its ISO 3166 numeric id, name, bounding box and rings of
integer tenths of a degree (x, y, x, y, ...): about 70 KB for the world.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE = 0.12  # degrees a simplified ring may stray from the source
SMALLEST_AREA = 0.3  # square degrees: smaller islands are left out
LEFT_OUT = {"Antarctica"}  # its ring runs around the pole, along the map's bottom edge; no cluster there
SOURCE = "Natural Earth 1:110m Admin 0 countries (public domain), via world-atlas 2.0.2 (ISC)"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as absolute longitude/latitude points (quantised, delta-encoded)."""
    (scale_x, scale_y), (move_x, move_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs.append(points)
    return arcs


def ring_of(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Join a ring's arcs; a negative index ``~i`` is arc ``i`` reversed. Each arc after the first
    repeats the previous arc's last point, which is dropped."""
    ring: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(arc[1:] if ring else arc)
    return ring


def unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Russia, Fiji) with its western part moved past 180
    degrees east, so that no edge spans the whole map."""
    if all(abs(x2 - x1) < 180 for (x1, _), (x2, _) in zip(ring, ring[1:], strict=False)):
        return ring
    return [(x + 360 if x < 0 else x, y) for x, y in ring]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the fewest points within ``tolerance`` of the line (ends kept)."""
    if len(points) < 3:
        return points
    (ax, ay), (bx, by) = points[0], points[-1]
    length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
    farthest, index = 0.0, 0
    for i, (px, py) in enumerate(points[1:-1], start=1):
        if length:
            distance = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
        else:
            distance = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
        if distance > farthest:
            farthest, index = distance, i
    if farthest <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[: index + 1], tolerance)[:-1] + simplify(points[index:], tolerance)


def area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def countries(topology: dict) -> list[dict]:
    arcs = decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["properties"]["name"] in LEFT_OUT:
            continue
        polygons = {"Polygon": [geometry.get("arcs")], "MultiPolygon": geometry.get("arcs")}.get(geometry["type"], [])
        rings = []
        for polygon in polygons:
            for number, indexes in enumerate(polygon):
                ring = unwrap(ring_of(indexes, arcs))
                if area(ring) < SMALLEST_AREA and number == 0:
                    break  # a small island: its holes go with it
                simple = simplify(ring, TOLERANCE)
                if len(simple) >= 4 and area(simple) >= SMALLEST_AREA / 3:
                    rings.append([round(value * 10) for point in simple[:-1] for value in point])
        if not rings:
            continue
        xs = [value for ring in rings for value in ring[0::2]]
        ys = [value for ring in rings for value in ring[1::2]]
        found.append(
            {
                "id": geometry.get("id"),
                "name": geometry["properties"]["name"],
                "bbox": [min(xs), min(ys), max(xs), max(ys)],
                "rings": rings,
            }
        )
    return found


def main(source: str, target: str) -> None:
    topology = json.loads(Path(source).read_text())
    outlines = {"source": SOURCE, "unit": "tenths of a degree", "countries": countries(topology)}
    Path(target).write_text(json.dumps(outlines, separators=(",", ":")) + "\n")
    print(f"{len(outlines['countries'])} countries, {Path(target).stat().st_size // 1024} KB: {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
