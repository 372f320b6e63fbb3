"""The countries drawn under a map's places, from ``world.json`` in this package: Natural Earth's
1:110m countries (public domain), converted and simplified by scripts/build_world_outlines.py,
which says how. Coordinates are integer tenths of a degree; nothing is fetched at run time."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roaming.drawing import Frame


@cache
def countries() -> tuple[dict, ...]:
    """Each country's id, name, bbox [west, south, east, north] and rings (x, y, x, y, ...)."""
    text = resources.files(__package__).joinpath("world.json").read_text(encoding="utf-8")
    return tuple(json.loads(text)["countries"])


def countries_in(frame: Frame) -> list[dict]:
    """The countries whose bounding box reaches into ``frame``."""
    west, south, east, north = (round(bound * 10) for bound in frame.bounds())
    return [
        country
        for country in countries()
        if not (country["bbox"][2] < west or country["bbox"][0] > east)
        and not (country["bbox"][3] < south or country["bbox"][1] > north)
    ]


def land_paths(frame: Frame) -> list[str]:
    """SVG path data of the countries that reach into ``frame``, one path per country, in the
    frame's pixels (one decimal; points that fall on the same pixel as the one before dropped)."""
    paths = []
    for country in countries_in(frame):
        rings = []
        for ring in country["rings"]:
            points, last = [], None
            for index in range(0, len(ring), 2):
                point = (round(frame.x(ring[index] / 10), 1), round(frame.y(ring[index + 1] / 10), 1))
                if point != last:
                    points.append(f"{point[0]:g},{point[1]:g}")
                    last = point
            if len(points) >= 3:
                rings.append("M" + "L".join(points) + "Z")
        if rings:
            paths.append("".join(rings))
    return paths
