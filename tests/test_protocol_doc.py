"""docs/protocol.md is checked against the code: its examples against the schemas and the real
documents the node produces, and its endpoint list against the app's routes."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path

import pytest

from federation.attestation import sign_attestation, verify_attestation
from federation.keys import generate_key
from federation.receipts import COUNTS, signed_receipt, verify_receipt
from federation.registry import sign_registry
from federation.signing import BODY_COMPONENTS, LABEL, REQUEST_COMPONENTS, TAG, sign_request
from roaming.agreement.schemas import TermsSchema
from roaming.agreement.terms import BRA_TERMS
from roaming.catalogue.models import CATALOGUE_KINDS
from roaming.catalogue.operations import SCHEMAS
from roaming.events.documents import RegistrationDocumentSchema
from roaming.events.documents import document as registration_document
from roaming.events.models import Registration, RegistrationState
from roaming.events.schemas import WireRegistrationSchema
from roaming.followup.schemas import OutcomeSchema
from roaming.identity.schemas import JwksSchema, NodeMetadataSchema
from roaming.ledger import checks as receipt_checks
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book
from roaming.ledger.schemas import RefusalReportSchema, ReportSchema
from roaming.peers.schemas import FeedSchema, NodeMetadataInSchema, NoticeSchema
from roaming.privacy.schemas import ErasureMessageSchema
from roaming.schemas import ErrorSchema
from roaming.visits.documents import VisitDocumentSchema, document
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitState
from roaming.visits.quotes import Quote
from roaming.visits.schemas import WireCancelSchema, WireQuoteSchema, WireRequestSchema, WireUpdateSchema

pytestmark = pytest.mark.one_database(reason="the protocol document against the code")

DOC = (Path(__file__).parents[1] / "docs" / "protocol.md").read_text()
EXAMPLES = dict(re.findall(r"<!-- example: ([\w-]+) -->\n```\w*\n(.*?)\n```", DOC, flags=re.DOTALL))


def example(name):
    return json.loads(EXAMPLES[name])


def test_every_example_is_checked():
    assert set(EXAMPLES) == {
        "node-metadata",
        "jwks",
        "signature-input",
        "error",
        "registry-header",
        "registry-payload",
        "feed",
        "notice",
        "notice-answer",
        "ping-answer",
        "attestation-header",
        "attestation-payload",
        "quote-request",
        "quote-answer",
        "visit-request",
        "visit-document",
        "visit-cancel",
        "visit-update",
        "registration-request",
        "registration-document",
        "receipt-header",
        "receipt-payload",
        "receipt-report",
        "receipt-problem",
        "receipt-refusal",
        "outcome",
        "erasure",
    }


def test_node_metadata_and_jwks(client):
    documented = example("node-metadata")
    NodeMetadataInSchema().load(documented)
    assert set(documented) == set(client.get("/.well-known/roaming-node").json) == set(NodeMetadataSchema().fields)
    jwks = example("jwks")
    JwksSchema().load(jwks)
    assert set(jwks["keys"][0]) == set(client.get("/.well-known/jwks.json").json["keys"][0])


def test_signature_input_matches_the_signer():
    documented = EXAMPLES["signature-input"].removeprefix("Signature-Input: ")
    key = generate_key()
    real = sign_request(
        "POST",
        "https://x.example/federation/notices",
        {"Content-Type": "application/json"},
        b"{}",
        key.key.private_key,
        key.key_id,
    )["Signature-Input"]

    def shape(value):
        label, rest = value.split("=", 1)
        components = re.findall(r'"([^"]+)"', rest.split(")")[0])
        params = [part.split("=")[0] for part in rest.split(")")[1].split(";") if part]
        return label, components, sorted(params)

    assert shape(documented) == shape(real)
    assert shape(real)[0] == LABEL and shape(real)[1] == list(REQUEST_COMPONENTS + BODY_COMPONENTS)
    assert f'tag="{TAG}"' in documented


def test_error_example():
    ErrorSchema().load(example("error"))


def test_registry_examples_match_what_the_coordinator_signs(app):
    app.config["COORDINATOR_ENABLED"] = True
    from roaming.coordinator.operations import registry_payload

    with app.app_context():
        payload = registry_payload()
    documented = example("registry-payload")
    assert set(documented) == set(payload)
    assert set(documented["nodes"][0]) == set(payload["nodes"][0])
    token = sign_registry(payload, generate_key())
    header = json.loads(_b64(token.split(".")[0]))
    assert set(example("registry-header")) == set(header)
    assert example("registry-header")["typ"] == header["typ"] and example("registry-header")["alg"] == header["alg"]


@pytest.mark.parametrize("name", ["feed"])
def test_feed_example_and_its_items(name):
    feed = FeedSchema().load(example(name))
    for change in feed["changes"]:
        if change["item"] is not None:
            schema = SCHEMAS[CATALOGUE_KINDS[change["kind"]]]()
            writable = {k: v for k, v in change["item"].items() if not schema.fields[k].dump_only}
            schema.load(writable)


def test_notice_examples(client):
    NoticeSchema().load(example("notice"))
    assert set(example("notice-answer")) == {"accepted", "duplicate"}


def test_every_federation_endpoint_is_documented(app):
    table = DOC.split("## 13. Endpoints")[1]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/federation", "/.well-known")):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert f"`{method} {rule.rule}`" in table, (method, rule.rule)


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_attestation_examples_match_what_a_home_node_signs():
    documented = example("attestation-payload")
    key = generate_key()
    claims = {name: documented[name] for name in ("visit_id", "company", "person")}
    token = sign_attestation(claims, key, issuer=documented["iss"], audience=documented["aud"])
    header = json.loads(_b64(token.split(".")[0]))
    assert set(header) == set(example("attestation-header")) and header["typ"] == example("attestation-header")["typ"]
    verified = verify_attestation(
        token,
        issuer=documented["iss"],
        audience=documented["aud"],
        issuer_key={key.key_id: key.public_jwk()}.get,
        visit_id=documented["visit_id"],
    )
    assert set(verified) == set(documented)


def test_visit_message_examples_load():
    WireQuoteSchema().load(example("quote-request"))
    WireRequestSchema().load(example("visit-request"))
    WireCancelSchema().load(example("visit-cancel"))
    VisitDocumentSchema().load(WireUpdateSchema().load(example("visit-update"))["visit"])
    TermsSchema().load(example("quote-answer")["terms"])
    TermsSchema().load(example("registry-payload")["terms"])


def test_visit_document_and_quote_examples_have_the_real_fields(app):
    with app.app_context():
        visit = Visit(uid=str(uuid.uuid4()), version=1, state=VisitState.CONFIRMED, resource={}, people=1, services=[])
        visit.price, visit.terms, visit.history, visit.checkin_token = {}, {}, [], "token"
        visit.days = [VisitDay(day=date(2026, 12, 7), status=DayStatus.BOOKED)]
        real = document(visit)
    assert set(example("visit-document")) == set(real)
    VisitDocumentSchema().load(example("visit-document"))
    assert set(example("quote-answer")) == set(Quote(terms=BRA_TERMS).as_dict())


def test_registration_examples_have_the_real_fields(app):
    WireRegistrationSchema().load(example("registration-request"))
    with app.app_context():
        registration = Registration(uid=str(uuid.uuid4()), version=1, state=RegistrationState.WAITLISTED)
        registration.event, registration.price, registration.history = {}, {}, []
        real = registration_document(registration)
    assert set(example("registration-document")) == set(real)
    RegistrationDocumentSchema().load(example("registration-document"))


def test_receipt_examples_match_what_a_host_signs():
    documented = example("receipt-payload")
    key = generate_key()
    claims = {name: documented[name] for name in ("kind", "subject", "period", *COUNTS, "response_seconds")}
    token, payload = signed_receipt(claims, key, issuer=documented["iss"], audience=documented["aud"])
    header = json.loads(_b64(token.split(".")[0]))
    assert header | {"kid": "-"} == example("receipt-header") | {"kid": "-"}
    verified = verify_receipt(token, issuer_key=lambda node, kid: key.public_jwk() if kid == key.key_id else None)
    assert set(verified) == set(documented) and verified["jti"] == documented["jti"]
    assert payload == verified  # what the host keeps in its own book without verifying
    ReportSchema().load(example("receipt-report"))
    RefusalReportSchema().load(example("receipt-refusal"))


def test_the_refused_receipts_answer_is_what_a_home_answers(app):
    documented = example("receipt-problem")
    ErrorSchema().load(documented)
    [(receipt_id, [reason])] = documented["errors"]["receipts"].items()
    claims = {"jti": receipt_id, "iss": "it-cork-a1b2c3", "aud": "systematic-d4e5f6", "kind": "completed"}
    with app.app_context():
        ledger.keep_refused(Book.NODE, claims | {"subject": receipt_id.split(":")[0]}, "token", reason, None)
        real = receipt_checks.problem(["token"])
    assert real == documented


def test_follow_up_and_erasure_examples_load():
    OutcomeSchema().load(example("outcome"))
    ErasureMessageSchema().load(example("erasure"))
