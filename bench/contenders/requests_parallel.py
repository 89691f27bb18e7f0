"""Contender (p): the cold sync's requests and nothing else, as a bare script: one requests.Session, 4 threads.

    TANIUM_URL=... TANIUM_API_TOKEN=... TANIUM_CA_PATH=... python requests_parallel.py DOCUMENTS_DIR

Finds or creates the source and the label intel_sync uses (4 requests), then per document the two requests
a cold intel_sync sends: the upload through the source, and the label attach; 4 documents in flight, as
intel_sync's default `parallel`. No listing, no parsing, no checks, no Ansible: what the collection's cold
run is judged against on the same server in the same run (cold only; it would upload everything again warm).
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
from pathlib import Path

import requests

API = "/plugin/products/threat-response/api/v1"
SOURCE = "tanium.threat_response: managed-by-ansible"  # intel_sync's source for its default managed label
LABEL = "managed-by-ansible"
PARALLEL = 4


def find_or_create(session, url, name, body):
    found = [item for item in session.get(url, timeout=30).json()["data"] if item["name"] == name]
    return found[0]["id"] if found else session.post(url, json=body, timeout=30).json()["data"]["id"]


def upload(session, base, source_id, label_id, path):
    headers = {"Content-Type": "application/xml", "Content-Disposition": f"attachment; filename={path.name}"}
    created = session.post(f"{base}/sources/{source_id}/intels", data=path.read_bytes(), headers=headers, timeout=30)
    created.raise_for_status()
    session.put(f"{base}/intels/{created.json()['data']['id']}/labels", json={"id": label_id},
                timeout=30).raise_for_status()


def sync(directory: Path) -> int:
    base = os.environ["TANIUM_URL"].rstrip("/") + API
    with requests.Session() as session:
        session.verify = os.environ["TANIUM_CA_PATH"]
        session.trust_env = False  # as the collection: the environment is not read per request
        session.headers["session"] = os.environ["TANIUM_API_TOKEN"]
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=PARALLEL)
        session.mount("https://", adapter)
        source_id = find_or_create(session, f"{base}/sources", SOURCE,
                                   {"type": "api-client", "name": SOURCE, "description": "bench"})
        label_id = find_or_create(session, f"{base}/labels", LABEL, {"name": LABEL, "description": ""})
        paths = sorted(directory.glob("*.ioc"))
        with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as workers:
            for done in workers.map(lambda path: upload(session, base, source_id, label_id, path), paths):
                assert done is None
    return len(paths)


if __name__ == "__main__":
    print(f"{sync(Path(sys.argv[1]))} documents uploaded and labelled")
