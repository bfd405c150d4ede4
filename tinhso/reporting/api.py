"""JSON API of reporting: a dataValueSets-like import (dryRun, importStrategy, a summary with each conflict's
row index), a report's state, checks and computed values, and the lifecycle's actions."""

import hashlib
import re
from typing import Annotated, Any, Literal

import msgspec
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import StringConstraints

from tinhso.core.api import bearer_auth
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import NotFound
from tinhso.core.schema_types import FreeText, Instant, Version, column_length
from tinhso.reporting import imports, lineage, selectors, services
from tinhso.reporting.models import Explanation, Regime

router = Router(tags=["reporting"], auth=bearer_auth)


MAX_VALUES = 10_000  # values in one import call; a larger set goes in several calls


# The body is read by msgspec straight into the rows the import reads (pydantic's validation of 10,000 rows
# was most of a call's parsing: docs/benchmarks.md, issue 20's import).
class DataValueSetIn(msgspec.Struct):
    regime: Annotated[str, msgspec.Meta(max_length=column_length(Regime, "code"))]
    dataValues: Annotated[list[imports.DataValue], msgspec.Meta(max_length=MAX_VALUES)]


_DATA_VALUE_SET = msgspec.json.Decoder(DataValueSetIn)  # built once per process, on import


def _inlined(schema: Any, components: dict[str, Any]) -> Any:
    """A JSON Schema with its references to `components` replaced by the schemas they name."""
    if isinstance(schema, list):
        return [_inlined(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inlined(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    return {key: _inlined(value, components) for key, value in schema.items()}


# The body as the OpenAPI document states it, from the same types msgspec reads it with.
(_BODY,), _BODY_PARTS = msgspec.json.schema_components([DataValueSetIn])
DATA_VALUE_SET_SCHEMA = _inlined(_BODY, _BODY_PARTS)


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")  # one step of msgspec's path, `$.dataValues[0].period`
_MISSING = re.compile(r"Object missing required field `([^`]+)`")


def data_value_set(body: bytes) -> DataValueSetIn:
    """The body read and checked, or the refusal ninja gave before: 400 for a body that does not read, 422 for
    one that does not fit its schema, naming the field as `dataValues.0.period` (msgspec names the first)."""
    if not body:
        raise ValidationError([{"loc": ("body", "body"), "msg": "Field required"}])
    try:
        return _DATA_VALUE_SET.decode(body)
    except msgspec.ValidationError as error:
        raise ValidationError([_located(str(error))]) from None
    except msgspec.DecodeError as error:
        raise HttpError(400, "Cannot parse request body") from error


def _located(said: str) -> dict[str, Any]:
    """msgspec's message as ninja's error: {"loc": ("body", "dataValues", 0, "period"), "msg": ...}."""
    message, _at, path = said.partition(" - at `$")
    where: list[str | int] = [name or int(index) for name, index in _STEP.findall(path.rstrip("`"))]
    if missing := _MISSING.fullmatch(message):
        where.append(missing.group(1))
        message = "Field required"
    return {"loc": ("body", *where), "msg": message}


class ImportCount(Schema):
    imported: int
    updated: int
    ignored: int
    deleted: int


class ImportSummary(Schema):
    status: str
    dryRun: bool
    importCount: ImportCount
    conflicts: list[dict]
    rejectedIndexes: list[int]


@router.post(
    "/dataValueSets",
    response=ImportSummary,
    summary="Import values (all or none)",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": DATA_VALUE_SET_SCHEMA}}, "required": True}
    },
)
def import_data_values(
    request: SignedInRequest,
    dryRun: bool = False,
    importStrategy: Literal["CREATE", "UPDATE", "CREATE_AND_UPDATE"] = "CREATE_AND_UPDATE",
) -> dict:
    body = data_value_set(request.body)
    outcome = imports.import_values(
        actor=request.auth,
        regime_code=body.regime,
        values=body.dataValues,
        dry_run=dryRun,
        strategy=importStrategy,
        payload_sha256=hashlib.sha256(request.body).hexdigest(),
    )
    return {
        "status": "ERROR" if outcome.conflicts else "SUCCESS",
        "dryRun": dryRun,
        "importCount": {
            "imported": outcome.imported,
            "updated": outcome.updated,
            "ignored": outcome.ignored,
            "deleted": outcome.deleted,
        },
        "conflicts": outcome.conflicts,
        "rejectedIndexes": sorted({conflict["index"] for conflict in outcome.conflicts}),
    }


class FindingOut(Schema):
    subject: str
    kind: str
    message: str
    blocking: bool
    explanation: str


class CrossCheckOut(Schema):
    indicator: str
    typed: str | None
    derived: str | None
    status: str


class ReportOut(Schema):
    id: int
    regime: str
    period: str
    unit: str
    status: str
    version: int
    revision: int
    actions: list[str]
    values: dict[str, dict[str, str | None]]
    findings: list[FindingOut]
    crosschecks: list[CrossCheckOut]


def _report(actor, submission) -> dict:
    computed = selectors.computed(submission.regime, submission.period, submission.unit)
    return {
        "id": submission.pk,
        "regime": submission.regime.code,
        "period": submission.period,
        "unit": submission.unit.code,
        "status": submission.status,
        "version": submission.version,
        "revision": submission.revision,
        "actions": [transition.action for transition in selectors.allowed_actions(actor, submission)],
        "values": {
            services.cell_key(code, disaggregation): {
                kind: None if value is None else format(value, "f") for kind, value in kinds.items()
            }
            for (code, disaggregation), kinds in computed.items()
        },
        "findings": [finding.__dict__ for finding in selectors.findings(submission)],
        "crosschecks": [
            {
                "indicator": check.code,
                "typed": None if check.typed is None else format(check.typed, "f"),
                "derived": None if check.derived is None else format(check.derived, "f"),
                "status": check.status,
            }
            for check in selectors.crosschecks(submission)
        ],
    }


@router.get("/reports/{regime}/{period}/{unit}", response=ReportOut, summary="A unit's report for a period")
def report(request: SignedInRequest, regime: str, period: str, unit: str) -> dict:
    submission = selectors.visible_submission(
        request.auth, regime_code=regime, period_id=period, unit_code=unit
    )
    return _report(request.auth, submission)


class SubmissionActionIn(Schema):
    version: Version
    reason: FreeText = ""


class ExplanationIn(Schema):
    subject: Annotated[str, StringConstraints(max_length=column_length(Explanation, "subject"))]
    text: FreeText


@router.post(
    "/reports/{regime}/{period}/{unit}/explanations", response=ReportOut, summary="Explain a finding"
)
def explain(request: SignedInRequest, regime: str, period: str, unit: str, body: ExplanationIn) -> dict:
    submission = selectors.visible_submission(
        request.auth, regime_code=regime, period_id=period, unit_code=unit
    )
    services.explain(actor=request.auth, submission_id=submission.pk, subject=body.subject, text=body.text)
    submission.refresh_from_db()
    return _report(request.auth, submission)


@router.get("/reports/{regime}/{period}/{unit}/lineage", summary="How each value was made (W3C PROV-JSON)")
def lineage_of(request: SignedInRequest, regime: str, period: str, unit: str) -> HttpResponse:
    chosen, place = selectors.visible_report_place(
        request.auth, regime_code=regime, period_id=period, unit_code=unit
    )
    content = lineage.document(regime=chosen, period_id=period, unit=place).serialize(format="json")
    return HttpResponse(content, content_type="application/json")


@router.get("/reports/{regime}/{period}/{unit}/as-of", summary="The values as they stood at an instant")
def as_published(request: SignedInRequest, regime: str, period: str, unit: str, at: Instant) -> dict:
    submission = selectors.visible_submission(
        request.auth, regime_code=regime, period_id=period, unit_code=unit
    )
    values = lineage.as_of(submission, at)
    return {
        cell: {
            "value": None if value is None else format(value, "f"),
            "obs_status": status,
            "revision": revision,
        }
        for cell, (value, status, revision) in values.items()
    }


class SentOut(Schema):
    sha256: str
    location: str


@router.post(
    "/reports/{regime}/{period}/{unit}/send-upward",
    response=SentOut,
    summary="Package an approved report upward",
)
def send_upward(request: SignedInRequest, regime: str, period: str, unit: str) -> dict:
    chosen, place = selectors.visible_report_place(
        request.auth, regime_code=regime, period_id=period, unit_code=unit
    )
    submission = selectors.submission_of(chosen, period, place)
    if submission is None:
        raise NotFound(_("Đơn vị chưa lập báo cáo kỳ này."), code="submission_not_found")
    digest, location = services.send_upward(actor=request.auth, submission_id=submission.pk)
    return {"sha256": digest, "location": location}


# Last: its {action} would otherwise take the paths above.
@router.post(
    "/reports/{regime}/{period}/{unit}/{action}",
    response=ReportOut,
    summary="submit, accept, approve, return",
)
def act(
    request: SignedInRequest, regime: str, period: str, unit: str, action: str, body: SubmissionActionIn
) -> dict:
    submission = selectors.visible_submission(
        request.auth, regime_code=regime, period_id=period, unit_code=unit
    )
    done = services.act(
        actor=request.auth,
        submission_id=submission.pk,
        version=body.version,
        action=action,
        reason=body.reason,
    )
    return _report(request.auth, done)
