"""The YARA structural checker: what it refuses, what it must not refuse, and the optional compiler."""

import sys
import types
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import IntelFormatError, parse_document
from ansible_collections.tanium.threat_response.plugins.module_utils._formats_yara import (
    YaraProblem,
    check_yara,
)

YARA = Path(__file__).resolve().parent.parent / "fixtures" / "corpus" / "yara"


@pytest.fixture(autouse=True)
def without_yara_python(monkeypatch):
    """Structural results must not depend on whether yara-python happens to be installed."""
    monkeypatch.setitem(sys.modules, "yara", None)  # makes `import yara` raise ImportError


def problem_of(text):
    with pytest.raises(YaraProblem) as caught:
        check_yara(text)
    return str(caught.value)


# Active rule counts from SOURCES.md; rules inside /* */ comments do not count.
@pytest.mark.parametrize("file_name, rules", [
    ("FIN4_MACROCHECK.yara", 1), ("operation_poisoned_handover.yara", 2), ("Loader_MSIL_DUEDLLIGENCE_2.yar", 1),
    ("Hunting_GadgetToJScript_1.yar", 1), ("all-yara.yar", 169), ("mal_crime_win_pe_godrat_aug25.yar", 1),
    ("apt_apt29_nobelium_may21.yar", 14), ("apt_hatman.yar", 11), ("yara_mixed_ext_vars.yar", 24),
    ("gen_webshells.yar", 59),
])
def test_corpus_rule_files_pass_with_their_active_rules_counted(file_name, rules):
    assert check_yara((YARA / file_name).read_text(encoding="utf-8")) == rules


@pytest.mark.parametrize("text, problem", [
    ('rule a { strings: $a = "abc condition: $a }', "unterminated string at line 1"),
    ("rule a { strings: $a = /abc\n condition: $a }", "unterminated regular expression at line 1"),
    ("rule a { condition: true }\n/* dropped:\nrule b { condition: true }",
     "unterminated /* comment starting at line 2"),
    ("rule a { strings: $a = { 4D 5A condition: $a }", "invalid character 'o' in hex string starting at line 1"),
    ("rule a { strings: $a = { 4D 5A ", "unterminated hex string starting at line 1"),
    ("rule a { meta: author = \"x\" }", "rule a has no condition: section"),
    ("rule a { condition: }", "rule a has an empty condition"),
    ("rule a { condition: true\n\nrule b { condition: true }",
     "rule a is not closed with '}' before the next rule at line 3"),
    ("rule a { condition: true { }", "rule a: unexpected '{' at line 1"),
    ("rule a { conditions: true }", "rule a: unknown section 'conditions:' at line 1"),
    ("rule condition { condition: true }", "expected a rule name after 'rule' at line 1"),
    ("rule a condition: true }", "rule a (line 1): expected '{' after the rule header"),
    ("private a { condition: true }", "expected 'rule' after 'private' at line 1"),
    ("hello world", "unexpected 'hello' at line 1: expected import or a rule"),
    ('import pe\nrule a { condition: true }', "import at line 1 needs a quoted name"),
    ('include "other.yar"\nrule a { condition: true }',
     'include "other.yar" at line 1: the server receives one file, so included files would be missing'),
    ('import "pe"\nrule a { condition: math.entropy(0, filesize) > 7 }',
     "rule a uses module 'math' at line 2 but the file has no import \"math\""),
    ('rule a { condition: true }\nrule b { condition: true }\nrule a { condition: false }',
     "duplicate rule name 'a' (lines 1 and 3)"),
    ("// nothing but a comment\n", "no YARA rules found (only comments or imports)"),
    ('import "pe"\n', "no YARA rules found (only comments or imports)"),
    ("rule a { condition: true } \u00a7", "unexpected character '\u00a7' at line 1"),
])
def test_structural_faults_are_refused_with_a_precise_problem(text, problem):
    assert problem_of(text).startswith(problem)


@pytest.mark.parametrize("text", [
    # Braces, quotes, slashes and the word rule inside strings, regexes and comments are not structure.
    'rule a { strings: $a = "} rule b { // not a comment" condition: $a }',
    'rule a { strings: $a = /{"}[a-z]{2,3}\\/rule/ nocase condition: $a }',
    'rule a { strings: $a = "x" condition: /* } rule z { */ $a // }\n }',
    # Hex strings with jumps, alternatives, wildcards, negation and comments.
    "rule a { strings: $h = { 4D 5A [2-4] ( 90 | 91 ) ?? ~00 // trailing comment\n /* inner */ FF } condition: $h }",
    # `them :` inside a for-loop is not a section header.
    'rule a { strings: $a = "x" $b = "y" condition: for any of them : ( $ at 0 ) and #a > 1 and @b[1] < 10 }',
    # Modules that are imported, rules that reference each other, tags, private and global rules.
    'import "pe"\nimport "math"\nprivate rule p : t1 t2 { condition: pe.is_pe }\n'
    "global rule g { condition: filesize < 10MB }\nrule r { condition: p and math.entropy(0, filesize) > 7 }",
    # A module name as a meta key is not a module use; external variables are plain identifiers.
    "rule a { meta: time = \"2020\" pe = 1 condition: filename matches /\\.exe$/i }",
    # Integer division is a backslash in YARA.
    "rule a { condition: filesize \\ 2 > 100 }",
])
def test_valid_constructs_are_not_mistaken_for_faults(text):
    assert check_yara(text) >= 1


def test_yara_problems_reach_the_caller_as_format_errors_naming_the_file():
    with pytest.raises(IntelFormatError) as caught:
        parse_document(b"rule a { condition: }", source="bad.yar", yara_name="bad.yar")
    assert str(caught.value) == "bad.yar: rule a has an empty condition"


def fake_yara(compile_function):
    module = types.ModuleType("yara")
    module.Error = type("Error", (Exception,), {})
    module.compile = compile_function
    return module


def test_the_optional_compiler_runs_with_scanner_externals_defined(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "yara", fake_yara(lambda **kwargs: calls.append(kwargs)))
    text = (YARA / "yara_mixed_ext_vars.yar").read_text(encoding="utf-8")
    assert check_yara(text) == 24
    assert calls[0]["source"] == text
    assert {"filename", "filepath", "extension", "filetype"} <= set(calls[0]["externals"])


def test_the_optional_compilers_error_is_reported(monkeypatch):
    module = fake_yara(None)

    def refuse(**kwargs):
        raise module.Error('line 1: undefined identifier "owner"')

    module.compile = refuse
    monkeypatch.setitem(sys.modules, "yara", module)
    assert problem_of("rule a { condition: owner == \"x\" }") == 'YARA compiler: line 1: undefined identifier "owner"'


def test_the_compiler_is_not_consulted_when_the_structure_is_already_wrong(monkeypatch):
    monkeypatch.setitem(sys.modules, "yara", fake_yara(lambda **kwargs: pytest.fail("compiled a broken file")))
    assert problem_of("rule a {") == "rule a is not closed: missing '}' at the end of the file"
