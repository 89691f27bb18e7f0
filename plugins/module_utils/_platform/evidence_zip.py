# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The password-protected zip Threat Response hands out for collected evidence: read the file
inside to hash it, write the zip owner-only, and extract only on request, bounded and confined.

Collected files are presumed malware: nothing here executes them, and nothing is written with an
execute bit or outside the directory the caller chose.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import tempfile
import zipfile
import zlib

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire

# Extraction stops past this many bytes in all (a zip bomb or a huge dump is refused, not unpacked).
MAX_EXTRACT_BYTES = 512 * 1024 * 1024
# The download of one evidence zip stops past this many bytes; it goes to disk as it comes, never into memory.
MAX_ZIP_BYTES = 1024 * 1024 * 1024
_CHUNK = 1 << 20
_HASH_BY_LENGTH = {32: "md5", 40: "sha1", 64: "sha256"}
# What a damaged archive raises while it is opened or read (a wrong password is a RuntimeError; a bad
# CRC a BadZipFile; a broken deflate, bzip2 or lzma stream zlib.error, OSError or LZMAError).
_DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
            OverflowError, struct.error)
try:
    import lzma
    _DAMAGED += (lzma.LZMAError,)
except ImportError:  # a Python built without lzma cannot read such an archive at all: NotImplementedError
    pass


class EvidenceArchiveError(ValueError):
    """The archive is not the one-file, password-protected zip expected, or would escape its directory."""


def summary(source):
    """{"name", "md5", "sha1", "sha256", "size"} of the one file inside; `source` is bytes, a path or a file."""
    with _open(source) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) != 1:
            raise EvidenceArchiveError(f"the evidence zip holds {len(members)} files, not one")
        digests = {name: hashlib.new(name) for name in ("md5", "sha1", "sha256")}
        size = 0
        for chunk in _chunks(archive, members[0]):
            size += len(chunk)
            for digest in digests.values():
                digest.update(chunk)
        return dict({name: d.hexdigest() for name, d in digests.items()}, name=members[0].filename, size=size)


def matches(file_summary, server_hash):
    """True when the server's evidence hash (md5, sha1 or sha256, told by length) is this file's."""
    kind = _HASH_BY_LENGTH.get(len(server_hash or ""))
    return kind is not None and file_summary[kind] == str(server_hash).lower()


def write_private(path, chunks):
    """Write `chunks` (an iterable of bytes) to `path` atomically, mode 0600 (never executable)."""
    with private_file(path) as stream:
        for chunk in chunks:
            stream.write(chunk)


@contextlib.contextmanager
def private_file(path):
    """A new file beside `path`, mode 0600, open for binary writing: it becomes `path` (atomically) when the block
    ends, and is removed when the block raises."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".evidence-")
    try:
        os.chmod(temporary, 0o600)
        with os.fdopen(handle, "w+b") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def extract(zip_path, directory, limit=MAX_EXTRACT_BYTES):
    """Unpack every file of the zip into `directory` (0600 each); returns the paths written.

    Every entry is checked before anything is written (extraction_targets); an archive over `limit`
    bytes is refused by its declared sizes and stopped while reading.
    """
    with _open(zip_path) as archive:
        members = _members(archive)
        targets = _targets(members, directory, zip_path)
        if sum(info.file_size for info in members) > limit:
            raise EvidenceArchiveError(f"the evidence zip unpacks to more than {limit} bytes; not extracted")
        total = 0
        for info, target in zip(members, targets):
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
            write_private(target, _limited(_chunks(archive, info), limit - total, limit))
            total += os.path.getsize(target)
        return targets


def extraction_targets(source, directory, zip_path):
    """Where extracting `source` (bytes or a path) into `directory` would write, one path per file.

    Refused (EvidenceArchiveError) when an entry's name is absolute, holds a control character, climbs
    out of `directory`, or is the evidence zip itself (`zip_path`): names inside the archive come from
    the server, and never replace the evidence or land outside the directory.
    """
    with _open(source) as archive:
        return _targets(_members(archive), directory, zip_path)


def _members(archive):
    return [info for info in archive.infolist() if not info.is_dir()]


def _targets(members, directory, zip_path):
    root = os.path.realpath(directory)
    evidence = os.path.realpath(zip_path)
    targets = [_confined(root, info.filename) for info in members]
    if evidence in targets:
        name = members[targets.index(evidence)].filename
        raise EvidenceArchiveError(f"the evidence zip holds an entry {name!r} that would replace the zip itself; "
                                   "not extracted")
    return targets


def _limited(chunks, allowed, limit):
    """The chunks while they hold at most `allowed` bytes (what is left of `limit`)."""
    for chunk in chunks:
        allowed -= len(chunk)
        if allowed < 0:
            raise EvidenceArchiveError(f"the evidence zip unpacks to more than {limit} bytes; extraction stopped")
        yield chunk


def _chunks(archive, info):
    try:
        with archive.open(info, pwd=wire.EVIDENCE_ZIP_PASSWORD) as stream:
            yield from iter(lambda: stream.read(_CHUNK), b"")
    except _DAMAGED as error:
        raise EvidenceArchiveError(f"cannot read {info.filename!r} in the evidence zip: {error}") from None


def _confined(root, name):
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        raise EvidenceArchiveError(f"the evidence zip holds an entry {name!r} with a control character in its name; "
                                   "not extracted")
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or ".." in parts:
        raise EvidenceArchiveError(f"the evidence zip holds an entry {name!r} outside its directory; not extracted")
    target = os.path.realpath(os.path.join(root, *[part for part in parts if part not in ("", ".")]))
    if os.path.commonpath([root, target]) != root or target == root:
        raise EvidenceArchiveError(f"the evidence zip holds an entry {name!r} outside its directory; not extracted")
    return target


def _open(source):
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except _DAMAGED as error:
        raise EvidenceArchiveError(f"not a readable zip: {error}") from None
