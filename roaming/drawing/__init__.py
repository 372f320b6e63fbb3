"""Maps and charts drawn as inline SVG on the server: no tiles, scripts or fonts from elsewhere.

A map is an equirectangular view framed to the places shown (``frame``): longitudes are scaled by
the cosine of the middle latitude so Europe keeps its proportions, the view has a margin around
the places and never spans less than ``MIN_SPAN_LATITUDE`` degrees, so close places still show the
countries around them. Country outlines (``outlines``) are drawn under the places; labels are
placed beside their dots without overlapping each other or other dots (``place_labels``), and a
label that finds no room is left out (the place keeps its dot, its tooltip and its entry in the
list of places under the map).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from roaming.drawing.outlines import land_paths

MIN_SPAN_LATITUDE = 18.0  # degrees: a country with its neighbours, say Germany from Denmark to the Alps
MARGIN = 0.2  # of the places' span, on each side
MIN_MARGIN = 1.5  # degrees
DOT_RADIUS = 6
LABEL_SIZE = 11  # px, as the stylesheet's .map text
CHARACTER_WIDTH = 0.6 * LABEL_SIZE  # an upper estimate for the sans-serif labels
LABEL_GAP = 3
MIN_HEIGHT, MAX_HEIGHT = 0.45, 0.62  # of the width


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
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "start"  # SVG text-anchor: start (right of the dot), end (left) or middle
    labelled: bool = False  # False when no room was found for the label


@dataclass
class Connection:
    start: Place
    end: Place
    weight: int
    width: float = 1.0


@dataclass(frozen=True)
class Frame:
    """What a view shows: its centre, its pixels per degree of latitude and its size; longitudes
    are squeezed by the cosine of the centre's latitude."""

    width: int
    height: int
    centre_latitude: float
    centre_longitude: float
    scale: float

    @property
    def squeeze(self) -> float:
        return math.cos(math.radians(self.centre_latitude))

    def x(self, longitude: float) -> float:
        return self.width / 2 + (longitude - self.centre_longitude) * self.squeeze * self.scale

    def y(self, latitude: float) -> float:
        return self.height / 2 - (latitude - self.centre_latitude) * self.scale

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of the whole view."""
        half_width = self.width / 2 / (self.squeeze * self.scale)
        half_height = self.height / 2 / self.scale
        return (
            self.centre_longitude - half_width,
            self.centre_latitude - half_height,
            self.centre_longitude + half_width,
            self.centre_latitude + half_height,
        )


@dataclass
class MapView:
    width: int
    height: int
    places: list[Place]
    connections: list[Connection] = field(default_factory=list)
    land: list[str] = field(default_factory=list)  # SVG path data, one per country in view


def frame(places: list[Place], width: int) -> Frame:
    """The view that shows every place with a margin: its height follows the places' shape
    (between ``MIN_HEIGHT`` and ``MAX_HEIGHT`` of ``width``), the shorter side widened to fit."""
    south, north = min(p.latitude for p in places), max(p.latitude for p in places)
    west, east = min(p.longitude for p in places), max(p.longitude for p in places)
    centre_latitude = max(-60.0, min(70.0, (north + south) / 2))
    squeeze = math.cos(math.radians(centre_latitude))
    margin_y = max(MIN_MARGIN, (north - south) * MARGIN)
    margin_x = max(MIN_MARGIN, (east - west) * MARGIN)
    span_y = max(MIN_SPAN_LATITUDE, north - south + 2 * margin_y)
    span_x = max((east - west + 2 * margin_x) * squeeze, MIN_SPAN_LATITUDE)  # in latitude degrees
    height = round(min(max(width * span_y / span_x, width * MIN_HEIGHT), width * MAX_HEIGHT))
    scale = min(width / span_x, height / span_y)
    return Frame(width, height, centre_latitude, (west + east) / 2, scale)


def _label_box(place: Place, anchor: str) -> tuple[float, float, float, float, float, float]:
    """(text x, text y, left, top, right, bottom) of ``place``'s label on one side of its dot."""
    text_width = len(place.label) * CHARACTER_WIDTH
    offset = DOT_RADIUS + LABEL_GAP
    if anchor == "start":
        x, y, left = place.x + offset, place.y + LABEL_SIZE / 3, place.x + offset
    elif anchor == "end":
        x, y, left = place.x - offset, place.y + LABEL_SIZE / 3, place.x - offset - text_width
    elif anchor == "above":
        x, y, left = place.x, place.y - offset, place.x - text_width / 2
    else:  # below
        x, y, left = place.x, place.y + offset + LABEL_SIZE, place.x - text_width / 2
    return x, y, left, y - LABEL_SIZE, left + text_width, y + LABEL_SIZE / 4


def _overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(places: list[Place], width: int, height: int) -> None:
    """Put each label right, left, above or below its dot, on the first side where it stays in
    the view and overlaps no dot and no label placed before; this node's place goes first, then
    the others in the order given. A label with no free side is not shown (``labelled`` False)."""
    dots = [(p.x - DOT_RADIUS, p.y - DOT_RADIUS, p.x + DOT_RADIUS, p.y + DOT_RADIUS) for p in places]
    taken: list[tuple[float, ...]] = []
    for place in sorted(places, key=lambda p: not p.here):
        own_dot = (place.x - DOT_RADIUS, place.y - DOT_RADIUS, place.x + DOT_RADIUS, place.y + DOT_RADIUS)
        place.labelled = False
        for side in ("start", "end", "above", "below"):
            x, y, *box = _label_box(place, side)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            blocked = any(_overlap(box, dot) for dot in dots if dot != own_dot) or any(
                _overlap(box, other) for other in taken
            )
            if inside and not blocked:
                place.label_x, place.label_y = round(x, 1), round(y, 1)
                place.label_anchor = "middle" if side in ("above", "below") else side
                place.labelled = True
                taken.append(tuple(box))
                break


def map_view(places: list[Place], links: Sequence[tuple[str, str, int]] = (), width: int = 720) -> MapView:
    """Frame ``places`` in a ``width``-wide view over the country outlines; ``links`` are (key,
    key, weight) drawn with a stroke width that grows with the square root of the weight (1 visit
    thin, 100 visits bold)."""
    if not places:
        return MapView(width, width // 2, [])
    view_frame = frame(places, width)
    for place in places:
        place.x, place.y = round(view_frame.x(place.longitude), 1), round(view_frame.y(place.latitude), 1)
    place_labels(places, view_frame.width, view_frame.height)
    view = MapView(view_frame.width, view_frame.height, places, land=land_paths(view_frame))
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
