"""A server error that echoes a secret in any written form never shows it, also when the message is shortened."""

import html
import json
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    MAX_MESSAGE_LENGTH,
    ApiError,
    AuthError,
)

INTELS = "/plugin/products/threat-response/api/v1/intels"
# Characters that every escaping changes: quotes, <, &, /, space, + and non-ASCII.
PASSWORD = 'pw "<&>" / +ü\'9f3'
TOKEN = "tok-5e1f0c9a7d3b2e48"
ECHOES = {
    "raw": lambda secret: secret,
    "JSON-escaped": lambda secret: json.dumps(secret)[1:-1],
    "HTML-escaped": html.escape,
    "HTML-escaped with &#39;": lambda secret: html.escape(secret).replace("&#x27;", "&#39;"),
    "URL-encoded": lambda secret: quote(secret, safe=""),
    "URL-encoded in lower case": lambda secret: quote(secret, safe="").lower(),
    "form-encoded": quote_plus,
}


@pytest.mark.parametrize("form", ECHOES)
def test_password_echoed_in_a_text_error_body_is_scrubbed(emulator, make_client, form):
    echoed = ECHOES[form](PASSWORD)
    emulator.add_fault(method="POST", path="/session/login", status=401, times=None,
                       body=f"login failed for password={echoed} (bad)")
    with pytest.raises(AuthError) as caught:
        make_client(api_token=None, username=emulator.username, password=PASSWORD).get(INTELS)
    message = str(caught.value)
    assert message.endswith("was refused: login failed for password=******** (bad)"), message


def test_token_inside_a_json_error_body_quoted_whole_is_scrubbed_in_its_json_escaped_form(emulator, make_client):
    secret = TOKEN + "/ü"
    # A JSON body without a message field is quoted re-encoded, with the secret JSON-escaped (\u00fc).
    emulator.add_fault(method="GET", path="/intels", status=500, body={"echo": [secret]})
    with pytest.raises(ApiError) as caught:
        make_client(api_token=secret).get(INTELS)
    assert str(caught.value).endswith('HTTP 500: {"echo": ["********"]}'), str(caught.value)


def test_token_cut_in_half_by_the_message_shortener_does_not_leak(emulator, make_client):
    filler = "x" * (MAX_MESSAGE_LENGTH - 3 - len(TOKEN) // 2)
    emulator.add_fault(method="GET", path="/intels", status=500, body={"text": filler + TOKEN + " trailing words"})
    with pytest.raises(ApiError) as caught:
        make_client(api_token=TOKEN).get(INTELS)
    # Scrubbed first, then shortened: the marker, not half a token, sits before the cut.
    assert caught.value.message == filler + "******** t..."
    assert TOKEN[: len(TOKEN) // 2] not in str(caught.value)


def test_deeply_nested_json_error_body_is_quoted_as_text(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", status=500, body="[" * 100_000)
    with pytest.raises(ApiError) as caught:
        make_client().get(INTELS)
    assert caught.value.message.startswith("[[[[") and caught.value.message.endswith("...")
