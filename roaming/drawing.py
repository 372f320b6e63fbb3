"""Maps and charts drawn as inline SVG on the server: no tiles, scripts or fonts from elsewhere.

The map is an equirectangular view fitted to the places shown (longitudes scaled by the cosine
of the middle latitude, so Europe keeps its proportions), with a graticule every few degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Place:
    key: str
    label: str
    latitude: float
    longitude: float
    url: str | None = None
    here: bool = False
    x: float = 0.0
    y: float = 0.0
    label_left: bool = False  # near the right edge: the label goes left of the dot


@dataclass
class Connection:
    start: Place
    end: Place
    weight: int
    width: float = 1.0


@dataclass
class MapView:
    width: int
    height: int
    places: list[Place]
    connections: list[Connection] = field(default_factory=list)
    meridians: list[float] = field(default_factory=list)  # x of each graticule line
    parallels: list[float] = field(default_factory=list)  # y of each graticule line


def map_view(places: list[Place], links: list[tuple[str, str, int]] = (), width: int = 720) -> MapView:
    """Fit ``places`` into a ``width``-wide view; ``links`` are (key, key, weight) drawn with a
    stroke width that grows with the square root of the weight (1 visit thin, 100 visits bold)."""
    if not places:
        return MapView(width, width // 2, [])
    south, north = min(p.latitude for p in places), max(p.latitude for p in places)
    west, east = min(p.longitude for p in places), max(p.longitude for p in places)
    margin = max(2.0, (north - south) * 0.15, (east - west) * 0.1)
    south, north, west, east = south - margin, north + margin, west - margin * 1.5, east + margin * 1.5
    squeeze = math.cos(math.radians((north + south) / 2))
    span_x, span_y = (east - west) * squeeze, north - south
    height = max(240, min(int(width * span_y / span_x), int(width * 0.6)))
    scale = min(width / span_x, height / span_y)

    def x_of(longitude: float) -> float:
        return round((longitude - west) * squeeze * scale, 1)

    def y_of(latitude: float) -> float:
        return round((north - latitude) * scale, 1)

    for place in places:
        place.x, place.y = x_of(place.longitude), y_of(place.latitude)
        place.label_left = place.x > width * 0.6
    step = 5 if max(east - west, north - south) <= 40 else 10
    view = MapView(
        width,
        height,
        places,
        meridians=[x_of(lon) for lon in range(math.ceil(west / step) * step, int(east) + 1, step)],
        parallels=[y_of(lat) for lat in range(math.ceil(south / step) * step, int(north) + 1, step)],
    )
    by_key = {place.key: place for place in places}
    for start, end, weight in links:
        if start in by_key and end in by_key and weight > 0:
            width_px = round(1 + 1.5 * math.sqrt(weight), 1)
            view.connections.append(Connection(by_key[start], by_key[end], weight, width_px))
    return view


@dataclass
class Bar:
    label: str
    hosted: int
    received: int


def bar_scale(bars: list[Bar], height: int = 150) -> float:
    """Pixels per unit so the tallest bar fills ``height``."""
    tallest = max([bar.hosted for bar in bars] + [bar.received for bar in bars] + [1])
    return height / tallest
