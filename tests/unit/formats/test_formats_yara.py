"""The YARA checker: what it refuses, what it must not refuse, and that yara-python changes nothing."""

import sys
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import IntelFormatError, parse_document
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.yara_rules import (
    YaraProblem,
    check_yara,
)

YARA = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "yara"


@pytest.fixture(autouse=True)
def without_yara_python(monkeypatch):
    """Structural results must not depend on whether yara-python happens to be installed."""
    monkeypatch.setitem(sys.modules, "yara", None)  # makes `import yara` raise ImportError
    # test_the_verdict_is_the_same_with_yara_python_installed runs the same checks with it importable.


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
    assert check_yara((YARA / file_name).read_text(encoding="utf-8")).rule_count == rules


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
     "rule a (line 2): uses module 'math' but the file has no import \"math\""),
    # Names a compiler cannot resolve (issue: these used to pass).
    ("rule a { condition: b }", 'rule a (line 1): undefined identifier "b"'),
    ("rule b { condition: a }\nrule a { condition: true }", 'rule b (line 1): undefined identifier "a"'),
    ('rule a { strings: $x = "x" condition: $x and $y }', "rule a (line 1): $y names no string declared"),
    ("rule a { condition: #x > 1 }", "rule a (line 1): #x names no string declared"),
    ("rule a { condition: @x[1] == 0 }", "rule a (line 1): @x names no string declared"),
    ("rule a { condition: !x[1] == 0 }", "rule a (line 1): !x names no string declared"),
    ('rule a { strings: $a1 = "x" condition: any of ($b*) }', "rule a (line 1): $b* names no string declared"),
    ('rule a { strings: $x = "x" $y = "y" condition: $x }', "rule a: string $y is declared but not used"),
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
    # A module name as a meta key is not a module use.
    "rule a { meta: time = \"2020\" pe = 1 condition: true }",
    # Integer division is a backslash in YARA.
    "rule a { condition: filesize \\ 2 > 100 }",
    # Loop variables, `with`, wildcard string and rule sets, strings exempt from use (`$_`).
    'import "pe"\nrule a { condition: for any i in (0..pe.number_of_sections - 1) : ( pe.sections[i].name == ".x" ) }',
    'import "pe"\nrule a { condition: for any s in pe.sections : ( s.name == ".x" ) }',
    'rule a { strings: $a = "x" condition: for all i, j in (1..2) : ( @a[i] < @a[j] + 1 ) }',
    "rule a { condition: with n = filesize : ( n > 1 ) }",
    'rule a { strings: $p1 = "x" $p2 = "y" $_unused = "z" condition: any of ($p*) }',
    'rule r1 { condition: true }\nrule r2 { condition: any of (r*) }',
    # An imported module outside the known list may be used (applicability reports it).
    'import "vt"\nrule a { condition: vt.metadata.new_file }',
])
def test_valid_constructs_are_not_mistaken_for_faults(text):
    assert check_yara(text).rule_count >= 1


def test_yara_problems_reach_the_caller_as_format_errors_naming_the_file():
    with pytest.raises(IntelFormatError) as caught:
        parse_document(b"rule a { condition: }", source="bad.yar", yara_name="bad.yar")
    assert str(caught.value) == "bad.yar: rule a has an empty condition"


def test_external_variables_are_accepted_and_each_is_named():
    outline = check_yara('rule a { condition: filename == "x" or filepath contains "y" }\n'
                         'rule b { condition: filename == "z" and extension == ".exe" }')
    assert outline.externals == ("filename", "filepath", "extension")
    assert check_yara((YARA / "yara_mixed_ext_vars.yar").read_text(encoding="utf-8")).externals == (
        "filename", "filepath", "extension", "filetype", "owner")


def test_an_unknown_name_that_is_no_scanner_external_is_refused():
    assert problem_of('rule a { condition: owner_name == "x" }').startswith(
        'rule a (line 1): undefined identifier "owner_name"')


def test_the_verdict_is_the_same_with_yara_python_installed(monkeypatch):
    """One verdict: the checker never consults yara-python, so its absence or presence changes nothing."""
    monkeypatch.delitem(sys.modules, "yara")
    pytest.importorskip("yara")
    text = (YARA / "yara_mixed_ext_vars.yar").read_text(encoding="utf-8")
    assert check_yara(text).externals == ("filename", "filepath", "extension", "filetype", "owner")
    assert problem_of('import "pe"\nrule a { condition: math.entropy(0, 1) > 7 }').startswith("rule a (line 2)")
