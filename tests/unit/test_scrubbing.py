"""Secrets never show: a server error that echoes one in any written form (also when the message is shortened), a
secret no header can carry (refused before anything is sent), and any exception of a module run, at -vvvv."""

import contextlib
import html
import http.client
import io
import json
import ssl
import zlib
from urllib.parse import quote, quote_plus

import pytest
import requests

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    MAX_MESSAGE_LENGTH,
    ApiError,
    AuthError,
    InvalidInput,
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


# -- secrets a header cannot carry, and every exception path of a module run ---------------------------------

NEWLINE_TOKEN = "token-9f8e7d6c5b4a39281706\n"  # what `echo ... | ansible-vault encrypt_string` keeps


@pytest.mark.parametrize(("option", "settings"), [
    ("api_token", dict(api_token=NEWLINE_TOKEN)),
    ("api_token", dict(api_token="token-9f8e7d6c5b4a3928\r\nX-Injected: 1")),
    ("api_token", dict(api_token="token-9f8e7d6c5b4a3928\x00")),
    ("username", dict(api_token=None, username="svc-tanium\n", password="pw-for-the-newline-user")),
])
def test_a_secret_or_name_a_header_cannot_carry_is_refused_naming_the_option_before_anything_is_sent(
        emulator, make_client, option, settings):
    with pytest.raises(InvalidInput) as caught:
        make_client(**settings)
    message = str(caught.value)
    assert message.startswith(f"{option} holds a line break") and message.endswith("nothing was sent")
    for value in settings.values():
        assert not value or value.strip() not in message
    assert emulator.journal == []


def test_a_login_session_a_header_cannot_carry_is_refused_without_showing_it(emulator, make_client):
    session = "sess-3c1d5e7f9a\nSet-Cookie: x"
    emulator.add_fault(method="POST", path="/session/login", status=200, body={"data": {"session": session}})
    with pytest.raises(AuthError) as caught:
        make_client(api_token=None, username=emulator.username, password=emulator.password).get(INTELS)
    assert "holds a session that an HTTP header cannot carry" in str(caught.value)
    assert "sess-3c1d5e7f9a" not in str(caught.value)
    assert [entry["path"] for entry in emulator.journal] == ["/api/v2/session/login"]


VERBOSE = dict(_ansible_verbosity=4, _ansible_debug=True, _ansible_tracebacks_for=["error", "warning"])


def run_module_base(args, body):
    """ThreatResponseModule.run(body) as Ansible runs it at -vvvv with tracebacks on: (its result, all it printed)."""
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule

    output = io.StringIO()
    with patch_module_args(dict(args, **VERBOSE)), contextlib.redirect_stdout(output), pytest.raises(SystemExit):
        ThreatResponseModule(argument_spec={}).run(body)
    return json.loads(output.getvalue()), output.getvalue()


def test_a_token_with_a_newline_fails_the_task_naming_api_token_and_never_shows_it_at_vvvv(emulator):
    args = dict(url=emulator.url, api_token=NEWLINE_TOKEN, ca_path=emulator.ca_file)
    result, printed = run_module_base(args, lambda module: module.client.get(INTELS))
    assert result["failed"] and result["msg"].startswith("api_token holds a line break")
    assert NEWLINE_TOKEN.strip() not in printed and NEWLINE_TOKEN.strip() not in "\n".join(strings(result))
    assert emulator.journal == []


SECRETS = ["pw-0a1b2c3d4e5f6071\n", "pässwörd-0a1b2c3d\n"]  # a trailing newline; one with non-ASCII letters too


def raised(secret):
    """Exceptions as libraries word them: the secret raw, as Python shows a str or bytes, or without its newline."""
    return [
        ValueError(f"Invalid header value {secret.encode()!r}"),
        ValueError(f"Invalid header value b'{secret}'"),
        OSError(5, f"cannot write {secret!r}"),
        ssl.SSLError(1, f"[SSL] bad record for {secret.strip()}"),
        requests.exceptions.InvalidHeader(f"Invalid leading whitespace, reserved character(s), or return character(s)"
                                          f" in header value: {secret!r}"),
        requests.exceptions.ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: /?t={secret}"),
        RecursionError(f"maximum recursion depth exceeded while decoding {secret}"),
        LookupError(f"unknown encoding: {secret.strip()}"),
        OverflowError(f"cannot fit {secret} into an index-sized integer"),
        KeyError(secret),
        UnicodeEncodeError("latin-1", secret + "\u2013", 24, 25, "ordinal not in range(256)"),
        json.JSONDecodeError("Expecting value", secret, 3),
        zlib.error(f"Error -3 while decompressing data: {secret.encode()}"),
        http.client.LineTooLong(f"header line {secret}"),
    ]


@pytest.mark.parametrize("secret", SECRETS, ids=["ascii", "latin"])
@pytest.mark.parametrize("index", range(len(raised(""))), ids=[type(error).__name__ for error in raised("")])
def test_every_exception_through_run_is_one_scrubbed_line_even_at_vvvv(emulator, secret, index):
    error = raised(secret)[index]

    def body(module):
        raise error  # before the client is built: the module's own no_log options are scrubbed from the start

    # The secret is a password (a JSON body may carry a newline): the client accepts it, and it must not show.
    result, printed = run_module_base(dict(url=emulator.url, api_token="token-secret-of-the-client-5151",
                                           username="svc", password=secret), body)
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"].startswith(f"unexpected {type(error).__name__}: ")
    # Also in the traceback Ansible adds when asked to (ANSIBLE_DISPLAY_TRACEBACK): every written form of every
    # secret is masked there too.
    shown = "\n".join(strings(result))
    for form in (secret, secret.strip(), repr(secret)[1:-1], repr(secret.encode())[2:-1]):
        assert form not in shown and form not in printed, form


def strings(value):
    """Every string in a decoded result, as Ansible would show it."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
