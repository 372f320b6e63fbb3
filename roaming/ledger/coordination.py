"""The coordinator's side of the ledger: what hosts and homes report, compared (docs/protocol.md,
section 10).

Three reports reach the coordinator, each sent and signed by the node it is about:

- a home reports each receipt it accepted (book ``federation``), as every version has;
- a host reports each receipt it signed (book ``issued``);
- a home reports each receipt it refused, why, and the counts it expected (a ``ReceiptRefusal``
  in book ``federation``).

Each receipt (one id between one host and one home) is then

- *agreed* when its home accepted it and its host reported the same figures, or did not report
  it (the host's signature on the receipt is its word; hosts of older versions do not report);
- *disputed* when its home refused it, or both reported it with different figures;
- *unconfirmed* when only its host reported it: its home has not, or not yet (a home that does
  not report leaves its flows unconfirmed, not disputed).

The federation's figures count agreed receipts only. Each flow (host, home, month) says how many
of its receipts are disputed or unconfirmed, and ``checks`` lists those receipts with both sides'
figures for the coordinator's staff. A report is kept once: a book holds a receipt once per pair
of nodes, and a visit's one decision and one terminal receipt (the unique indexes), so a later
report of it is a 409.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from federation.receipts import ReceiptRejected, verify_receipt
from roaming.db import session
from roaming.errors import DomainError
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book, Receipt, ReceiptRefusal

AGREED, DISPUTED, UNCONFIRMED = "agreed", "disputed", "unconfirmed"


class ReceiptRefused(DomainError):
    """A reported receipt was not taken (``status`` 422: invalid or not the sender's to report;
    409: reported already, or its visit has another decision or terminal receipt)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


# -- the reports ---------------------------------------------------------------------------------


def record_accepted(reporter: str, token: str) -> Receipt:
    """A home's report of a receipt it accepted: only the receipt's audience reports it."""
    claims = _verified(token)
    if claims["aud"] != reporter:
        raise ReceiptRefused("Receipt refused: only the cluster whose member was hosted reports a receipt it accepted.")
    if claims["iss"] == reporter:
        raise ReceiptRefused("Receipt refused: a node cannot report receipts it issued itself as accepted.")
    return _keep(Book.FEDERATION, claims, token)


def record_issued(reporter: str, token: str) -> Receipt:
    """A host's report of a receipt it signed: only the receipt's issuer reports it."""
    claims = _verified(token)
    if claims["iss"] != reporter:
        raise ReceiptRefused("Receipt refused: only the cluster that signed a receipt reports it as issued.")
    if claims["aud"] == reporter:
        raise ReceiptRefused("Receipt refused: a node does not host its own members through the federation.")
    return _keep(Book.ISSUED, claims, token)


def record_refused(reporter: str, token: str, reason: str, expected: dict | None) -> ReceiptRefusal:
    """A home's report of a receipt it refused: only the receipt's audience reports that."""
    claims = _verified(token)
    if claims["aud"] != reporter:
        raise ReceiptRefused("Refusal refused: only the cluster a receipt is addressed to reports refusing it.")
    if not ledger.keep_refused(Book.FEDERATION, claims, token, reason, expected):
        raise ReceiptRefused(f"The refusal of receipt {claims['jti']} was reported already.", 409)
    kept = select(ReceiptRefusal).where(ReceiptRefusal.book == Book.FEDERATION)
    return session.scalars(kept.where(ReceiptRefusal.token_digest == ledger.digest(token))).one()


def _verified(token: str) -> dict:
    try:
        return verify_receipt(token, issuer_key=ledger.key_of)
    except ReceiptRejected as rejected:
        raise ReceiptRefused(f"Receipt refused: {rejected.reason}") from None


def _keep(book: Book, claims: dict, token: str) -> Receipt:
    kept = ledger.keep(book, claims, token)
    held = ledger.held(book, claims)
    if kept and held is not None:
        return held
    if held is not None:
        raise ReceiptRefused(f"Receipt {claims['jti']} was counted already.", 409)
    raise ReceiptRefused(
        f"Receipt {claims['jti']} refused: its visit has another decision or terminal receipt counted already.", 409
    )


# -- the comparison ------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Both sides' reports of one receipt."""

    accepted: Receipt | None = None  # the home's
    issued: Receipt | None = None  # the host's
    refusal: ReceiptRefusal | None = None  # the home's, first reported

    @property
    def report(self) -> Receipt | ReceiptRefusal:
        """One of its reports (each names the receipt)."""
        return self.issued or self.accepted or self.refusal  # type: ignore[return-value]

    @property
    def status(self) -> str:
        if self.refusal is not None or self._differ():
            return DISPUTED
        return AGREED if self.accepted is not None else UNCONFIRMED

    def _differ(self) -> bool:
        return (
            self.accepted is not None
            and self.issued is not None
            and ledger.figures(self.accepted) != ledger.figures(self.issued)
        )

    def host_figures(self) -> dict:
        """What the host signed: its report, or the receipt its home refused or accepted."""
        if self.issued is not None:
            return ledger.figures(self.issued)
        if self.refusal is not None:
            return dict(self.refusal.claimed)
        return ledger.figures(self.accepted)  # type: ignore[arg-type]

    def home_figures(self) -> dict | None:
        """What the home holds: the counts it expected when it refused, or the receipt it accepted."""
        if self.refusal is not None:
            return self.refusal.expected
        return ledger.figures(self.accepted) if self.accepted is not None else None

    def reason(self) -> str:
        if self.refusal is not None:
            return self.refusal.reason
        if self._differ():
            return "The host reported other figures than its home accepted."
        return "" if self.accepted is not None else "Its home has not reported it."


def compare(period_from: str | None = None, period_to: str | None = None) -> list[Comparison]:
    """Every receipt reported to the coordinator in those months, both sides' reports side by side."""
    table: dict[tuple[str, str, str], Comparison] = {}

    def entry(row) -> Comparison:
        return table.setdefault((row.issuer, row.audience, row.receipt_id), Comparison())

    reported = select(Receipt).where(Receipt.book.in_((Book.FEDERATION, Book.ISSUED)))
    for receipt in session.scalars(ledger.in_periods(reported, period_from, period_to)):
        setattr(entry(receipt), "accepted" if receipt.book is Book.FEDERATION else "issued", receipt)
    refused = select(ReceiptRefusal).where(ReceiptRefusal.book == Book.FEDERATION)
    for refusal in session.scalars(ledger.in_periods(refused, period_from, period_to, model=ReceiptRefusal)):
        comparison = entry(refusal)
        comparison.refusal = comparison.refusal or refusal
    return list(table.values())


def federation_ledger(period_from: str | None = None, period_to: str | None = None) -> list[dict]:
    """The coordinator's figures, per host, home and month: what both sides agree on, and how many
    receipts are disputed or unconfirmed (``status``: the worst of them)."""
    comparisons = compare(period_from, period_to)
    agreed = {
        (flow.host, flow.home, flow.period): flow
        for flow in ledger.tally(c.accepted for c in comparisons if c.status == AGREED and c.accepted)
    }
    left_out: dict[tuple[str, str, str], dict[str, int]] = {}  # per flow: receipts disputed, unconfirmed
    for comparison in comparisons:
        row = comparison.report
        counts = left_out.setdefault((row.issuer, row.audience, row.period), {DISPUTED: 0, UNCONFIRMED: 0})
        if comparison.status != AGREED:
            counts[comparison.status] += 1
    names, rows = ledger.node_names(), []
    for key, counts in sorted(left_out.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])):
        flow = agreed.get(key) or ledger.Flow(*key)
        status = DISPUTED if counts[DISPUTED] else UNCONFIRMED if counts[UNCONFIRMED] else AGREED
        rows.append(flow.as_dict() | ledger.names_of(flow, names) | {"status": status, **counts})
    return rows


def checks(period_from: str | None = None, period_to: str | None = None, status: str | None = None) -> list[dict]:
    """The receipts the federation's figures leave out: disputed, then unconfirmed, newest first; each
    with both sides' figures and why, for the coordinator's staff."""
    left_out = [c for c in compare(period_from, period_to) if c.status != AGREED and status in (None, c.status)]
    left_out.sort(key=lambda comparison: comparison.report.recorded_at, reverse=True)
    left_out.sort(key=lambda comparison: comparison.status != DISPUTED)  # disputed first
    names = ledger.node_names()
    return [_listed(comparison, names) for comparison in left_out]


def _listed(comparison: Comparison, names: dict[str, str]) -> dict:
    report = comparison.report
    return {
        "receipt_id": report.receipt_id,
        "kind": report.kind,
        "subject": report.subject,
        "period": report.period,
        "host": report.issuer,
        "host_name": names.get(report.issuer, report.issuer),
        "home": report.audience,
        "home_name": names.get(report.audience, report.audience),
        "status": comparison.status,
        "reason": comparison.reason(),
        "host_figures": comparison.host_figures(),
        "home_figures": comparison.home_figures(),
        "reported_at": report.recorded_at,
    }
