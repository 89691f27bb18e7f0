"""Contender (d): the uri playbook's logic as a plain sequential Python script on one requests.Session.

    TANIUM_URL=... TANIUM_API_TOKEN=... TANIUM_CA_PATH=... python requests_sync.py DOCUMENTS_DIR

Per document, one after another: GET it by name, POST it when the server has none, PUT it when the
server's md5 differs from the file's. The floor for clients that look documents up one at a time.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

import requests

INTELS_PATH = "/plugin/products/threat-response/api/v1/intels"
SHORT_DESCRIPTION = re.compile(rb"<short_description>(.*?)</short_description>", re.DOTALL)


def sync(directory: Path) -> dict:
    intels = os.environ["TANIUM_URL"].rstrip("/") + INTELS_PATH
    # verify on every call: REQUESTS_CA_BUNDLE would override Session.verify.
    verify = os.environ["TANIUM_CA_PATH"]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with requests.Session() as session:
        session.headers["session"] = os.environ["TANIUM_API_TOKEN"]
        for path in sorted(directory.glob("*.ioc")):
            body = path.read_bytes()
            name = SHORT_DESCRIPTION.search(body).group(1).decode("utf-8").strip()
            found = session.get(intels, params={"name": name}, verify=verify, timeout=30)
            found.raise_for_status()
            matches = [doc for doc in found.json()["data"] if doc["name"] == name]
            headers = {"Content-Type": "application/xml", "Content-Disposition": f"attachment; filename={path.name}"}
            if not matches:
                session.post(intels, data=body, headers=headers, verify=verify, timeout=30).raise_for_status()
                counts["created"] += 1
            elif matches[0]["md5"] != hashlib.md5(body).hexdigest():
                session.put(f"{intels}/{matches[0]['id']}", data=body, headers=headers, verify=verify,
                            timeout=30).raise_for_status()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts


if __name__ == "__main__":
    print(sync(Path(sys.argv[1])))
