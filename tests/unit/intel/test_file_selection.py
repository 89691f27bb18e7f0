"""Which files a directory contributes: the default intel extensions, patterns/excludes, symlinked directories;
and the action plugins refuse to read controller files for a task that runs elsewhere."""

import importlib
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.selection import files_under
from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import selection


@pytest.fixture
def tree(tmp_path):
    for relative in ("a.ioc", "b.YAR", "c.yara", "d.xml", "e.stix", "f.json", "README.md", "hashes.csv",
                     "sub/g.yar", ".hidden.yar", ".git/h.yar"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x")
    return tmp_path


def names(paths, root):
    return [str(path.relative_to(root)) if hasattr(path, "relative_to") else path[len(str(root)) + 1:]
            for path in paths]


def test_a_directory_gives_its_intel_files_by_extension_case_insensitively(tree):
    assert names(files_under(str(tree)), tree) == ["a.ioc", "b.YAR", "c.yara", "d.xml", "e.stix", "f.json",
                                                   "sub/g.yar"]


def test_patterns_and_excludes_choose_by_file_name(tree):
    assert names(files_under(str(tree), ["*.yar", "*.yara"], ["c*"]), tree) == ["b.YAR", "sub/g.yar"]
    assert names(files_under(str(tree), ["*"], []), tree) == [
        "README.md", "a.ioc", "b.YAR", "c.yara", "d.xml", "e.stix", "f.json", "hashes.csv", "sub/g.yar"]


def test_a_file_named_directly_is_taken_whatever_its_name(tree):
    assert files_under(str(tree / "README.md")) == [str(tree / "README.md")]


def test_symlinked_directories_are_followed_and_a_loop_is_read_once(tree, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "linked.ioc").write_text("x")
    (tree / "link").symlink_to(elsewhere, target_is_directory=True)
    (tree / "sub" / "back").symlink_to(tree, target_is_directory=True)
    found = names(files_under(str(tree)), tree)
    assert "link/linked.ioc" in found
    assert len(found) == len(set(found)) == 8


def test_selection_takes_lists_or_comma_separated_strings_and_leaves_the_default_to_the_module():
    args = {"patterns": "*.yar, *.ioc", "excludes": ["old*"], "paths": []}
    assert selection(args) == {"patterns": ["*.yar", "*.ioc"], "excludes": ["old*"], "paths": []}
    assert selection({}) == {}
    assert selection({"patterns": [], "excludes": " , "}) == {}
    with pytest.raises(AnsibleActionFail, match="excludes must be a list of shell patterns"):
        selection({"excludes": [3]})


@pytest.mark.parametrize("module, args", [
    ("intel", {"src": "a.ioc"}),
    ("intel_check", {"src": "a.ioc"}),
    ("intel_sync", {"paths": ["rules/"]}),
])
def test_the_action_plugins_refuse_a_connection_that_is_not_local(module, args):
    action_module = importlib.import_module(f"ansible_collections.tanium.threat_response.plugins.action.{module}")
    action = action_module.ActionModule(None, SimpleNamespace(transport="ssh"), None, None, None)
    with pytest.raises(AnsibleActionFail, match=rf"^tanium\.threat_response\.{module} reads intel files on the "
                       r"controller and must run there: .* instead of the 'ssh' connection$"):
        action.resolve_arguments(args)
