"""Two different files that would be one document: the error names both paths and the way out."""

import shutil
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.entries import read_entries

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"


def test_two_yara_files_with_one_file_name_are_named_with_the_way_out(tmp_path):
    first, second = tmp_path / "a" / "all-yara.yar", tmp_path / "b" / "all-yara.yar"
    for path, source in ((first, "FIN4_MACROCHECK.yara"), (second, "apt_hatman.yar")):
        path.parent.mkdir()
        shutil.copy(CORPUS / "yara" / source, path)
    with pytest.raises(InvalidInput) as raised:
        read_entries([{"src": str(first)}, {"src": str(second)}], 10485760, [])
    assert str(raised.value) == (
        f"{first} and {second} would both be the YARA document uploaded as 'all-yara.yar.yara': a YARA document's "
        "identity is its upload file name, its name with '.yara'; give one of them its own name (a `documents` "
        "entry with `src` and `name`), or leave one out")
    # The way out the message offers works: a name per entry.
    items = read_entries([{"src": str(first)}, {"src": str(second), "name": "hatman-all-yara.yar"}], 10485760, [])
    assert [item.desired.document.name for item in items] == ["all-yara.yar", "hatman-all-yara.yar"]


def test_the_same_openioc_document_twice_names_both_paths(tmp_path):
    copy = tmp_path / "copy.ioc"
    original = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
    shutil.copy(original, copy)
    with pytest.raises(InvalidInput, match=r"copy.ioc are the same openioc document \(identity '0ae061d7-"):
        read_entries([{"src": str(original)}, {"src": str(copy)}], 10485760, [])
