"""Property tests: whatever bytes arrive, parsing returns a document or a clear IntelFormatError, fast."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    IntelDocument,
    IntelFormatError,
    parse_document,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEEDS = sorted(
    path.read_bytes()
    for path in [*FIXTURES.glob("corpus/*/*"), *FIXTURES.glob("corpus/signals/*/*"), *FIXTURES.glob("handwritten/*")]
    if path.is_file() and path.suffix != ".md"
)
# Stable in CI: the same examples every run. No per-example deadline: a wall-clock budget fails
# under load (large corpus files on a busy machine) without saying anything about the code.
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def parse_or_refuse(content):
    try:
        document = parse_document(content, source="fuzzed", yara_name="fuzzed.yar")
    except IntelFormatError as error:
        assert error.source == "fuzzed" and error.problem and "\n" not in error.problem
        return None
    assert isinstance(document, IntelDocument)
    assert document.size == len(document.content)
    return document


@st.composite
def mutated_corpus_documents(draw):
    content = bytearray(draw(st.sampled_from(SEEDS)))
    for _mutation in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(content)))
        mutation = draw(st.sampled_from(["flip", "truncate", "splice", "insert", "delete"]))
        if mutation == "flip" and content:
            content[min(position, len(content) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif mutation == "truncate":
            del content[position:]
        elif mutation == "splice":
            donor = draw(st.sampled_from(SEEDS))
            start = draw(st.integers(0, len(donor)))
            content[position:position] = donor[start:start + draw(st.integers(0, 300))]
        elif mutation == "insert":
            content[position:position] = draw(st.binary(min_size=1, max_size=8))
        else:
            del content[position:position + draw(st.integers(1, 64))]
    return bytes(content)


@PROPERTY_SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes_give_a_document_or_a_format_error(content):
    parse_or_refuse(content)


@PROPERTY_SETTINGS
@given(st.sampled_from([b"", b"<", b"{", b"[", b"rule ", b"\xef\xbb\xbf<"]), st.text(max_size=512))
def test_random_text_after_each_format_marker_gives_a_document_or_a_format_error(marker, text):
    parse_or_refuse(marker + text.encode("utf-8", "surrogatepass"))


@PROPERTY_SETTINGS
@given(mutated_corpus_documents())
def test_mutated_corpus_documents_give_a_document_or_a_format_error(content):
    parse_or_refuse(content)


@PROPERTY_SETTINGS
@given(mutated_corpus_documents(),
       st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\t\n"), min_size=1, max_size=40)
       .filter(str.strip))
def test_any_parsed_document_can_take_a_new_intrinsic_id(content, new_id):
    document = parse_or_refuse(content)
    # YARA names are checked separately (they are file names); a signal PUT never carries an id.
    if document is None or document.type in ("yara", "tanium-signal"):
        return
    kept = document.with_intrinsic_id(new_id)
    assert kept.intrinsic_id == new_id
    assert (kept.type, kept.name if document.name != document.intrinsic_id else None) == (
        document.type, document.name if document.name != document.intrinsic_id else None)
