"""The evidence zip: hashes read inside it, and extraction that stays in its directory and within its bound."""

import hashlib
import io
import os
import zipfile

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform import evidence_zip
from emulator.zipcrypto import encrypted_zip  # the emulator writes zips as Threat Response sends them

DATA = b"MZ not really a program\n" * 10


def plain_zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_summary_reads_the_file_inside_with_the_password():
    found = evidence_zip.summary(encrypted_zip("sample.exe", DATA))
    assert found == {"name": "sample.exe", "size": len(DATA), "md5": hashlib.md5(DATA).hexdigest(),
                     "sha1": hashlib.sha1(DATA).hexdigest(), "sha256": hashlib.sha256(DATA).hexdigest()}
    assert evidence_zip.matches(found, hashlib.sha1(DATA).hexdigest().upper())
    assert not evidence_zip.matches(found, "0" * 64) and not evidence_zip.matches(found, "abc")


def test_a_zip_with_another_password_is_refused():
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="cannot read 'sample.exe'"):
        evidence_zip.summary(encrypted_zip("sample.exe", DATA, password=b"other"))


def test_a_zip_of_two_files_or_no_zip_is_refused():
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="holds 2 files"):
        evidence_zip.summary(plain_zip([("a", b"1"), ("b", b"2")]))
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="not a readable zip"):
        evidence_zip.summary(b"<html>proxy error</html>")


@pytest.mark.parametrize("name", ["../evil", "sub/../../evil", "/etc/evil", "..\\evil", "C:\\evil", "C:evil"])
def test_extract_refuses_entries_outside_the_directory_before_writing(tmp_path, name):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(plain_zip([("fine.txt", b"ok"), (name, b"boom")]))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="outside its directory"):
        evidence_zip.extract(str(archive), str(target))
    assert list(target.iterdir()) == [] and not (tmp_path / "evil").exists()


def test_extract_is_bounded(tmp_path):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(plain_zip([("big.bin", b"\0" * 5000)]))
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="more than 4096 bytes"):
        evidence_zip.extract(str(archive), str(tmp_path), limit=4096)
    assert not (tmp_path / "big.bin").exists()


def test_extract_writes_owner_only_files(tmp_path):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(encrypted_zip("sample.exe", DATA))
    written = evidence_zip.extract(str(archive), str(tmp_path))
    assert written == [str(tmp_path / "sample.exe")]
    assert (tmp_path / "sample.exe").read_bytes() == DATA
    assert os.stat(written[0]).st_mode & 0o777 == 0o600


def test_write_private_is_0600(tmp_path):
    evidence_zip.write_private(str(tmp_path / "x.zip"), [b"zip"])
    assert (tmp_path / "x.zip").stat().st_mode & 0o777 == 0o600 and [p.name for p in tmp_path.iterdir()] == ["x.zip"]


def deflated_zip(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_a_damaged_deflate_stream_is_an_archive_error_not_a_zlib_error():
    archive = bytearray(deflated_zip("sample.exe", DATA * 50))
    start = 30 + len("sample.exe")  # the local header, then the compressed bytes
    archive[start:start + 8] = b"\xff" * 8
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="cannot read 'sample.exe'"):
        evidence_zip.summary(bytes(archive))


def test_any_damage_to_an_evidence_zip_is_an_archive_error():
    # Truncations and byte flips of each kind of archive (zipfile raises a dozen exception types for them).
    import random
    originals = [encrypted_zip("sample.exe", DATA), deflated_zip("sample.exe", DATA * 20)]
    for compression in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
            archive.writestr("sample.exe", DATA * 20)
        originals.append(buffer.getvalue())
    rng = random.Random(7)
    for original in originals:
        damaged = [original[:cut] for cut in range(0, len(original), 7)]
        for _flip in range(300):
            flipped = bytearray(original)
            for _byte in range(rng.randrange(1, 4)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            damaged.append(bytes(flipped))
        for data in damaged:
            try:
                evidence_zip.summary(data)
            except evidence_zip.EvidenceArchiveError:
                pass


def test_extraction_never_replaces_the_evidence_zip(tmp_path):
    archive = tmp_path / "sample.zip"
    archive.write_bytes(encrypted_zip("sample.zip", DATA))
    before = archive.read_bytes()
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="'sample.zip' that would replace the zip itself"):
        evidence_zip.extraction_targets(before, str(tmp_path), str(archive))
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="would replace the zip itself"):
        evidence_zip.extract(str(archive), str(tmp_path))
    assert archive.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["sample.zip"]


def test_an_entry_with_a_control_character_is_refused(tmp_path):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(plain_zip([("bad\x01name.exe", b"x")]))
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="control character"):
        evidence_zip.extract(str(archive), str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["evidence.zip"]


def test_extraction_targets_name_where_each_file_would_go(tmp_path):
    archive = encrypted_zip("sample.exe", DATA)
    assert evidence_zip.extraction_targets(archive, str(tmp_path), str(tmp_path / "sample.exe.zip")) == [
        str(tmp_path / "sample.exe")]
