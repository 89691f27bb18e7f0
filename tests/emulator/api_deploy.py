"""Deploy and deploy status (docs/wire-format.md#deploy-and-deployment-status); always threat-response with the envelope."""

from __future__ import annotations

import json

from .wire import Request, bad_request, data_response


def deploy(core, request: Request):
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json":
        # docs/wire-format.md#deploy-and-deployment-status: the server's JSON parser refuses an empty JSON body.
        if not request.body.strip():
            raise bad_request("Unexpected end of JSON input")
        try:
            json.loads(request.body)
        except ValueError:
            raise bad_request("the request body is not valid JSON") from None
    return data_response(request, {"taskId": core.deployer.request()})


def deploy_status(core, request: Request):
    with core.store.lock:
        return data_response(request, dict(core.store.deploy_status))
