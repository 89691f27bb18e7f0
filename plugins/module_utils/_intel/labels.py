# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One label present or absent: plan from what the server holds, write only outside check mode."""

from __future__ import annotations

from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record


def ensure_label(store, name, description, state, check_mode, diff):
    """Make the label `name` present (with `description`, when given) or absent; returns the module result."""
    current = store.find_label(name)
    if state == "absent":
        action = "delete" if current else "absent"
        after = None
    elif current is None:
        action = "create"
        after = {"id": None, "name": name, "description": description or ""}
    elif description is not None and (current.get("description") or "") != description:
        action = "update"
        after = dict(current, description=description)
    else:
        action = "unchanged"
        after = current
    if not check_mode:
        after = _write(store, action, current, name, description, after)
    result = dict(changed=action in ("create", "update", "delete"), action=action,
                  label=to_record(after) if after else None)
    if diff:
        result["diff"] = dict(before=_view(current), after=_view(after), before_header=name, after_header=name)
    return result


def _write(store, action, current, name, description, planned):
    if action == "create":
        return store.create_label(name, description or "")
    if action == "update":
        return store.update_label(current["id"], {"description": description}) or planned
    if action == "delete":
        store.delete_label(current["id"])
    return planned


def _view(label):
    if label is None:
        return {"state": "absent"}
    return {"state": "present", "name": label.get("name"), "description": label.get("description") or ""}
