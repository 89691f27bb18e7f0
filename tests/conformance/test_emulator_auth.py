"""Authentication: API tokens, login sessions, idle expiry (docs/wire-format.md#authentication)."""

from __future__ import annotations

import re
import time

import pytest

from emulator_testkit import Api


def login(api: Api, method: str = "POST", **credentials) -> str:
    body = {"username": api.srv.username, "password": api.srv.password, **credentials}
    response = api.call(method, "/api/v2/session/login", token=None, json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["session"]


def test_api_token_is_accepted_in_the_session_header(api):
    assert api.data(api.get("/intels")) == []
    assert api.srv.journal[-1]["auth"] == "api_token"


def test_request_without_session_header_is_401(api):
    response = api.get("/intels", token=None)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert "text" in response.json()
    assert api.srv.journal[-1]["auth"] == "none"


def test_unknown_token_is_401(api):
    assert api.get("/intels", token="token-not-issued").status_code == 401
    assert api.srv.journal[-1]["auth"] == "invalid"


def test_login_returns_a_tanium_style_session_that_works(api):
    session = login(api)
    assert re.fullmatch(r"\d+-\d+-\w+", session)
    assert api.data(api.get("/intels", token=session)) == []
    assert api.srv.journal[-1]["auth"] == "session"


def test_legacy_get_login_with_json_body_is_accepted(api):
    assert login(api, method="GET")


def test_login_with_domain_field_is_accepted(api):
    assert login(api, domain="")


@pytest.mark.parametrize("body", [{"username": "admin", "password": "wrong"},
                                  {"username": "nobody", "password": "x"}, {}])
def test_login_with_bad_credentials_is_401(api, body):
    response = api.post("/api/v2/session/login", token=None, json=body)
    assert response.status_code == 401


def test_session_current_describes_the_user_for_token_and_session(api):
    for token in (api.srv.api_token, login(api)):
        user = api.get("/api/v2/session/current", token=token).json()["data"]
        assert user["name"] == api.srv.username
    assert api.get("/api/v2/session/current", token=None).status_code == 401


def test_session_validate_accepts_valid_and_refuses_unknown_tokens(api):
    assert api.post("/api/v2/session/validate", token=None, json={"session": login(api)}).status_code == 200
    assert api.post("/api/v2/session/validate", token=None,
                    json={"session": api.srv.api_token}).status_code == 200
    assert api.post("/api/v2/session/validate", token=None, json={"session": "1-1-nope"}).status_code == 401


@pytest.mark.parametrize("expired_status", [401, 403])
def test_idle_login_session_expires_with_configured_status(make_server, expired_status):
    api = Api(make_server(session_ttl=0.3, expired_status=expired_status))
    session = login(api)
    assert api.get("/intels", token=session).status_code == 200
    time.sleep(0.5)
    response = api.get("/intels", token=session)
    assert response.status_code == expired_status
    assert api.srv.journal[-1]["auth"] == "expired"
    assert api.get("/intels").status_code == 200  # the API token never expires


def test_use_keeps_a_login_session_alive(make_server):
    api = Api(make_server(session_ttl=0.4))
    session = login(api)
    for _attempt in range(4):
        time.sleep(0.2)
        assert api.get("/intels", token=session).status_code == 200


def test_expire_sessions_expires_login_sessions_but_not_api_tokens(api):
    session = login(api)
    api.srv.expire_sessions()
    assert api.get("/intels", token=session).status_code == 401
    assert api.get("/intels").status_code == 200
    assert api.get("/intels", token=login(api)).status_code == 200


def test_expired_status_can_be_changed_live(api):
    session = login(api)
    api.srv.configure(expired_status=403)
    api.srv.expire_sessions()
    assert api.get("/intels", token=session).status_code == 403
