"""Case payloads are encrypted before they leave the process: the Temporal server holds no plaintext of
an advice summary or an exception description, and signed-in staff read them through the codec
endpoint (the Temporal UI's "remote codec"); histories recorded before encryption still replay
(tests/workflows/test_replay.py replays them with the same converter)."""

import base64
from uuid import uuid4

from google.protobuf.json_format import MessageToDict
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest

from tests.web.test_api import new_ref, start, today


async def raw_history(api, ref: str):
    client = api.app.state.services.cases.client
    return await client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=f"ehcna-{ref}")
        )
    )


async def test_the_server_holds_no_plaintext_and_staff_read_it_through_the_codec_endpoint(api):
    ref, summary, why = new_ref(), f"SUMMARY-{uuid4().hex}", f"CIRCUMSTANCES-{uuid4().hex}"
    await start(api, ref, days_ago=60)
    officer = api.auth("officer")
    steps = [
        ("decide-to-assess", {"yes": True, "on": str(today())}),
        ("request-advice", {"advice_kind": "HEALTH", "provider_team": "icb-community-paeds",
                            "requested_on": str(today())}),
    ]  # fmt: skip
    for action, body in steps:
        r = await api.http.post(f"/api/cases/{ref}/{action}", json=body, headers=officer)
        assert r.status_code == 200, r.text
    excepted = await api.http.post(
        f"/api/tasks/{ref}/HEALTH-1/exception",
        json={
            "code": "A-PERS",
            "on": str(today()),
            "description": why,
            "start": str(today()),
            "end": str(today()),
        },
        headers=api.auth("health"),
    )
    assert excepted.status_code == 200, excepted.text
    submitted = await api.http.post(
        f"/api/tasks/{ref}/HEALTH-1/submit",
        json={"returned_on": str(today()), "document_ref": "DOC-1", "summary": summary},
        headers=api.auth("health"),
    )
    assert submitted.status_code == 200, submitted.text

    history = await raw_history(api, ref)
    raw = history.SerializeToString()
    assert (
        summary.encode() not in raw
        and why.encode() not in raw
        and b"DOC-1" not in raw
        and b"icb-community-paeds" not in raw
    )
    assert b"binary/encrypted" in raw and b"encryption-key-id" in raw

    update = next(
        e for e in reversed(history.history.events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    )  # fmt: skip
    payload = MessageToDict(
        update.workflow_execution_update_accepted_event_attributes.accepted_request.input.args
    )
    body = {"payloads": payload["payloads"]}
    assert (await api.http.post("/codec/decode", json=body)).status_code == 401
    for who in ("health", "officer"):  # providers, and officers (who read only their own team's cases)
        assert (await api.http.post("/codec/decode", json=body, headers=api.auth(who))).status_code == 403
    manager = api.auth("manager")
    decoded = await api.http.post("/codec/decode", json=body, headers=manager)
    assert decoded.status_code == 200, decoded.text
    (plain,) = decoded.json()["payloads"]
    assert base64.b64decode(plain["metadata"]["encoding"]) == b"json/plain"
    assert summary.encode() in base64.b64decode(plain["data"])
    for nonsense in ({"payloads": "x"}, {"payloads": [{"metadata": [1]}]}, {"payloads": [{"data": "%%%"}]}):
        bad = await api.http.post("/codec/decode", json=nonsense, headers=manager)
        assert bad.status_code == 422 and bad.json()["detail"]["field"] == "payloads", (nonsense, bad.text)
    deep = b'{"payloads": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    nested = await api.http.post(
        "/codec/decode", content=deep, headers={**manager, "content-type": "application/json"}
    )
    assert nested.status_code == 422
    assert (await api.http.post("/codec/encode", json=body, headers=manager)).status_code == 404
