"""The maps' drawing: framing to the places, the projection, the country outlines under them and
labels that do not overlap."""

from __future__ import annotations

import itertools
import re

import pytest

from roaming.drawing import MAX_HEIGHT, MIN_HEIGHT, MIN_SPAN_LATITUDE, Place, _label_box, frame, map_view, place_labels
from roaming.drawing.outlines import countries, countries_in

KARLSRUHE = (49.01, 8.40)
STUTTGART = (48.78, 9.18)
CORK = (51.90, -8.47)
TALLINN = (59.44, 24.75)


def _places(*spots, label="A cluster with a long name"):
    return [Place(str(n), f"{label} {n}", lat, lon) for n, (lat, lon) in enumerate(spots)]


def test_every_place_is_inside_the_view_with_a_margin():
    view = map_view(_places(KARLSRUHE, CORK, TALLINN))
    for place in view.places:
        assert 20 < place.x < view.width - 20
        assert 20 < place.y < view.height - 20


def test_close_places_get_at_least_a_country_sized_view():
    view_frame = frame(_places(KARLSRUHE, STUTTGART), 720)
    west, south, east, north = view_frame.bounds()
    assert north - south >= MIN_SPAN_LATITUDE - 0.01
    assert east - west > MIN_SPAN_LATITUDE  # longitudes are squeezed: more of them fit
    assert south < KARLSRUHE[0] < north and west < STUTTGART[1] < east


def test_the_projection_keeps_north_up_east_right_and_proportions():
    view_frame = frame(_places(KARLSRUHE, TALLINN), 720)
    assert view_frame.x(TALLINN[1]) > view_frame.x(KARLSRUHE[1])
    assert view_frame.y(TALLINN[0]) < view_frame.y(KARLSRUHE[0])
    one_degree_north = view_frame.y(50) - view_frame.y(51)
    one_degree_east = view_frame.x(11) - view_frame.x(10)
    assert one_degree_east == pytest.approx(one_degree_north * view_frame.squeeze)
    assert MIN_HEIGHT * 720 <= view_frame.height <= MAX_HEIGHT * 720


def test_the_countries_around_the_places_are_drawn_and_far_ones_are_not():
    around_karlsruhe = frame(_places(KARLSRUHE), 720)
    names = {country["name"] for country in countries_in(around_karlsruhe)}
    assert {"Germany", "France", "Switzerland", "Austria"} <= names
    assert not names & {"Australia", "Brazil", "Japan"}
    view = map_view(_places(KARLSRUHE))
    assert len(view.land) == len(names) < 60
    for path in view.land:
        assert re.fullmatch(r"(M[-\d.]+,[-\d.]+(L[-\d.]+,[-\d.]+)+Z)+", path)
    world = map_view(_places(KARLSRUHE, (35.7, 139.7), (-33.9, 151.2), (40.7, -74.0)))
    assert len(world.land) > 150


def test_the_outlines_are_small_and_do_not_cross_the_whole_map():
    total = sum(len(ring) for country in countries() for ring in country["rings"])
    assert 170 <= len(countries()) and total < 40_000
    for country in countries():
        for ring in country["rings"]:
            xs = ring[0::2]
            assert all(abs(b - a) < 1800 for a, b in itertools.pairwise(xs)), country["name"]


def test_labels_of_close_places_do_not_overlap_each_other_nor_dots():
    places = _places(KARLSRUHE, STUTTGART, (49.3, 8.7), (48.9, 8.0))
    view = map_view(places)
    shown = [place for place in view.places if place.labelled]
    assert len(shown) >= 2
    boxes = []
    for place in shown:
        side = place.label_anchor
        if side == "middle":
            side = "above" if place.label_y < place.y else "below"
        boxes.append(_label_box(place, side)[2:])
    for first, second in itertools.combinations(boxes, 2):
        assert not (first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3])
    for box, place in itertools.product(boxes, view.places):
        assert not (box[0] < place.x < box[2] and box[1] < place.y < box[3])
    for box in boxes:
        assert box[0] >= 0 and box[2] <= view.width and box[1] >= 0 and box[3] <= view.height


def test_a_label_near_the_right_edge_goes_left_and_one_without_room_is_left_out():
    edge = Place("edge", "Somewhere far east", 50, 0)
    edge.x, edge.y = 700, 100
    place_labels([edge], 720, 200)
    assert edge.labelled and edge.label_anchor == "end" and edge.label_x < edge.x
    crowd = [Place(str(n), "A very long cluster name", 50, 0) for n in range(5)]
    for place in crowd:
        place.x, place.y = 100, 100
    place_labels(crowd, 720, 200)
    assert 0 < sum(place.labelled for place in crowd) < len(crowd)


def test_this_nodes_label_is_placed_first():
    other, here = Place("o", "Other", 50, 0), Place("h", "Here", 50, 0, here=True)
    for place in (other, here):
        place.x, place.y = 100, 100
    place_labels([other, here], 720, 200)
    assert here.labelled and here.label_anchor == "start"
