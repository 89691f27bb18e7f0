"""Quick (on-demand) scans (docs/wire-format.md#quick-scans): one intel document on one computer group, now.

4.x `POST {T}/on-demand-scans/`, 3.x `POST detect3/quick-scans/`. The scan matches the document's
hashes against the group's endpoints as a deployment would, and raises the same alerts (once per
endpoint and document), without a deployment.
"""

from __future__ import annotations

import itertools
import threading

from .alerts import new_alert
from .clock import iso_now
from .platform_api import group_members
from .wire import Request, bad_request, data_response, not_found

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def start_scan(core, request: Request):
    body = request.json()
    doc_id = body.get("intelDocId") if isinstance(body, dict) else None
    group_id = body.get("computerGroupId") if isinstance(body, dict) else None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (doc_id, group_id)):
        raise bad_request('the body must be {"intelDocId": <int>, "computerGroupId": <int>}')
    members = group_members(core, group_id)
    if members is None:
        raise not_found(f"Computer group {group_id}")
    names = {endpoint["name"] for endpoint in members}
    store = core.store
    with store.lock:
        doc = store.intels.get(doc_id)
        if doc is None:
            raise not_found(f"Intel {doc_id}")
        now = iso_now()
        found = [(e, f) for e, f in core.fleet.matches(doc.hashes or {}) if e["name"] in names] \
            if doc.type == "openioc" else []
        for endpoint, file in found:
            if (endpoint["name"], doc.id) not in store.alerted:
                store.add_alert(new_alert(store.new_id("alert"), doc, endpoint, file, now))
    store.changed()
    with _ids_lock:
        scan_id = next(_ids)
    scan = {"id": scan_id, "intelDocId": doc_id, "computerGroupId": group_id, "alertCount": len(found),
            "createdAt": now, "userId": 1, "questionId": core.questions.next_question_id()}
    return data_response(request, scan)
