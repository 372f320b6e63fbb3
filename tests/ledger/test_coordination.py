"""The coordinator compares what hosts and homes report: it counts what both agree on, flags the
rest for its staff with both sides' figures, and takes each report only from the node it is about."""

from __future__ import annotations

import uuid

import pytest

from roaming.db import session
from roaming.ledger import coordination
from tests.support.receipts import Partner

pytestmark = pytest.mark.each_database


@pytest.fixture
def pair(within):
    """A host and a home, both members known to the coordinator (this node)."""
    host, home = Partner("it@cork"), Partner("Systematic")
    within(host.add)
    within(home.add)
    return host, home


def _visit() -> str:
    return str(uuid.uuid4())


def test_only_what_both_sides_agree_on_is_counted_and_the_rest_is_listed_with_both_figures(pair, within):
    host, home = pair
    accepted_only, both, host_only, refused, changed = (_visit() for _ in range(5))

    def report():
        def completed(subject, days, **claims):
            return host.receipt("completed", subject, audience=home.node_id, desk_days=days, services=1, **claims)

        coordination.record_accepted(home.node_id, completed(accepted_only, 2))  # a host of an older version
        token = completed(both, 3)
        coordination.record_issued(host.node_id, token)
        coordination.record_accepted(home.node_id, token)
        coordination.record_issued(host.node_id, completed(host_only, 4))  # its home has not reported it (yet)
        inflated = completed(refused, 10_000)
        coordination.record_issued(host.node_id, inflated)
        expected = {"desk_days": 1, "services": 1, "event_seats": 0}
        coordination.record_refused(home.node_id, inflated, "The receipt counts desk_days 10000; ...", expected)
        coordination.record_accepted(home.node_id, completed(changed, 2))
        coordination.record_issued(host.node_id, completed(changed, 20))  # another copy with the same id
        session.commit()

    within(report)
    [flow] = within(coordination.federation_ledger)
    assert (flow["host"], flow["home"], flow["host_name"], flow["home_name"]) == (
        host.node_id,
        home.node_id,
        "it@cork",
        "Systematic",
    )
    assert (flow["visits"], flow["desk_days"], flow["services"]) == (2, 5, 2)  # accepted_only and both
    assert (flow["status"], flow["disputed"], flow["unconfirmed"]) == ("disputed", 2, 1)

    listed = {row["subject"]: row for row in within(coordination.checks)}
    assert set(listed) == {refused, changed, host_only}
    assert [row["status"] for row in within(coordination.checks)] == ["disputed", "disputed", "unconfirmed"]
    assert listed[refused]["host_figures"]["desk_days"] == 10_000
    assert listed[refused]["home_figures"] == {"desk_days": 1, "services": 1, "event_seats": 0}
    assert listed[refused]["reason"].startswith("The receipt counts desk_days 10000")
    assert (listed[changed]["host_figures"]["desk_days"], listed[changed]["home_figures"]["desk_days"]) == (20, 2)
    assert listed[changed]["reason"] == "The host reported other figures than its home accepted."
    assert (listed[host_only]["home_figures"], listed[host_only]["reason"]) == (None, "Its home has not reported it.")
    assert [row["subject"] for row in within(coordination.checks, status="unconfirmed")] == [host_only]


def test_a_flow_both_sides_agree_on_is_agreed(pair, within):
    host, home = pair

    def report():
        subject = _visit()
        for kind, response in (("confirmed", 60), ("completed", None)):
            token = host.receipt(kind, subject, audience=home.node_id, response_seconds=response)
            coordination.record_issued(host.node_id, token)
            coordination.record_accepted(home.node_id, token)
        session.commit()

    within(report)
    [flow] = within(coordination.federation_ledger)
    assert (flow["status"], flow["disputed"], flow["unconfirmed"], flow["confirmed"], flow["visits"]) == (
        "agreed",
        0,
        0,
        1,
        1,
    )
    assert within(coordination.checks) == []


def test_each_report_is_taken_only_from_the_node_it_is_about_and_once(pair, within):
    host, home = pair
    other = Partner("forger", us=home.node_id)
    subject = _visit()

    def refused(record, *args) -> tuple[int, str]:
        try:
            record(*args)
        except coordination.ReceiptRefused as refusal:
            return refusal.status, refusal.message
        raise AssertionError("taken")

    def report():
        token = host.receipt("completed", subject, audience=home.node_id, desk_days=1)
        expected = {"desk_days": 1, "services": 0, "event_seats": 0}
        results = [
            refused(coordination.record_accepted, host.node_id, token),  # the host says its home accepted it
            refused(coordination.record_issued, home.node_id, token),  # the home says it signed it
            refused(coordination.record_refused, host.node_id, token, "no", expected),  # the host disputes it
            refused(coordination.record_accepted, home.node_id, other.receipt("completed", subject)),  # not registered
        ]
        coordination.record_accepted(home.node_id, token)
        coordination.record_issued(host.node_id, token)
        coordination.record_refused(home.node_id, token, "changed its mind", expected)
        declined = host.receipt("declined", subject, audience=home.node_id, response_seconds=1)
        results += [
            refused(coordination.record_accepted, home.node_id, token),
            refused(coordination.record_issued, host.node_id, token),
            refused(coordination.record_refused, home.node_id, token, "again", expected),
            refused(coordination.record_accepted, home.node_id, declined),  # a second terminal receipt
        ]
        return results

    results = within(report)
    assert [status for status, _ in results] == [422, 422, 422, 422, 409, 409, 409, 409]
    assert "only the cluster whose member was hosted" in results[0][1]
    assert "only the cluster that signed a receipt" in results[1][1]
    assert "only the cluster a receipt is addressed to" in results[2][1]
    assert "not signed by a key of the node" in results[3][1]
    assert "counted already" in results[4][1] and "another decision or terminal receipt" in results[7][1]
