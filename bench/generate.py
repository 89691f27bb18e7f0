"""Deterministic OpenIOC 1.0 hash documents for the benchmark: the same N always gives the same bytes.

    python bench/generate.py DIRECTORY N          # writes DIRECTORY/bench-0001.ioc ... bench-N.ioc
    python bench/generate.py DIRECTORY N --edit 1 # rewrites document 1 with one more hash (same id)

Each document is a valid OpenIOC 1.0 file (the shape of the Mandiant samples in tests/fixtures/corpus)
with a fixed id (UUIDv5 of its number), a unique short_description and HASHES_PER_DOCUMENT MD5 items.
Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import uuid
from pathlib import Path

# Any fixed value: it only has to differ from other generators' namespaces.
NAMESPACE = uuid.UUID("6f1c3a52-0b8e-4d59-9a53-3b0f7d1e2c44")
HASHES_PER_DOCUMENT = 8
FIXED_DATE = "2024-01-01T00:00:00"


def document_name(number: int) -> str:
    return f"BENCH HASH SET {number:04d}"


def file_name(number: int) -> str:
    return f"bench-{number:04d}.ioc"


def md5_values(number: int, count: int) -> list[str]:
    return [hashlib.md5(f"bench/{number}/{index}".encode()).hexdigest() for index in range(count)]


def render(number: int, edited: bool = False) -> str:
    """The document text; `edited` adds one hash, which changes the md5 but keeps the identity."""
    ioc_id = uuid.uuid5(NAMESPACE, f"document/{number}")
    hashes = md5_values(number, HASHES_PER_DOCUMENT + (1 if edited else 0))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<ioc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'id="{ioc_id}" last-modified="{FIXED_DATE}" xmlns="http://schemas.mandiant.com/2010/ioc">',
        f"  <short_description>{document_name(number)}</short_description>",
        f"  <description>Benchmark document {number}: {len(hashes)} MD5 hashes of no real file.</description>",
        "  <keywords />",
        "  <authored_by>tanium.threat_response benchmark</authored_by>",
        f"  <authored_date>{FIXED_DATE}</authored_date>",
        "  <links />",
        "  <definition>",
        f'    <Indicator operator="OR" id="{uuid.uuid5(ioc_id, "indicator")}">',
    ]
    for value in hashes:
        lines += [
            f'      <IndicatorItem id="{uuid.uuid5(ioc_id, value)}" condition="is">',
            '        <Context document="FileItem" search="FileItem/Md5sum" type="mir" />',
            f'        <Content type="md5">{value}</Content>',
            "      </IndicatorItem>",
        ]
    lines += ["    </Indicator>", "  </definition>", "</ioc>", ""]
    return "\n".join(lines)


def write_documents(directory: Path, count: int) -> list[Path]:
    """Documents 1..count in `directory` (created if needed); returns their paths in order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = directory / file_name(number)
        path.write_text(render(number), encoding="utf-8")
        paths.append(path)
    return paths


def edit_document(directory: Path, number: int = 1) -> Path:
    path = directory / file_name(number)
    path.write_text(render(number, edited=True), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--edit", type=int, metavar="NUMBER", help="rewrite this document, edited")
    args = parser.parse_args()
    if args.edit:
        print(edit_document(args.directory, args.edit))
    else:
        print(f"{len(write_documents(args.directory, args.count))} documents in {args.directory}")


if __name__ == "__main__":
    main()
