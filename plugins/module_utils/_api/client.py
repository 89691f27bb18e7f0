# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the collection: URLs, auth, TLS, retries, envelopes, pagination, errors.

It knows nothing about intel formats; the engine and the modules build on it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import re
import threading
from urllib.parse import urlencode

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.exchange import (
    REQUESTS_IMPORT_ERROR,
    ExchangeFailed,
    Transport,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.failures import (
    describe_transport_failure,
    proxy_refused_credentials,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import (
    NOT_APPLIED_STATUSES,
    RETRY_STATUSES,
    RetryPolicy,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.settings import (
    checked_base_url,
    checked_header_value,
    checked_name,
    checked_timeout,
    checked_verify,
    environment_proxy,
    is_header_value,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    InvalidInput,
    NotFoundError,
    Scrubber,
    TransportError,
    WriteOutcomeUnknown,
    server_message,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.variants import WireVariants

_CHARSET = re.compile(r";\s*charset=[\"']?([^;\s\"']+)", re.IGNORECASE)


class ThreatResponseClient:
    """A session with one Threat Response server.

    `api_version` picks the path family of intel, label and alert calls ("4": threat-response with a
    {"data": ...} envelope; "3": detect3, bare JSON). Deploy and status always use threat-response.
    """

    def __init__(self, url, api_token=None, username=None, password=None, validate_certs=True,
                 ca_path=None, timeout=30, retries=5, api_version="4", warn=None, scrubber=None, pool_size=10,
                 allow_http=False):
        self.scrub = scrubber or Scrubber()
        for secret in (api_token, password):
            self.scrub.add(secret)  # first: a refusal below is scrubbed too
        if REQUESTS_IMPORT_ERROR:
            raise InvalidInput("the Python library requests is missing where this runs: install it beside ansible-core"
                               " (pip install requests)")
        if not api_token and not (username and password):
            raise InvalidInput("no credentials: set api_token (TANIUM_API_TOKEN), or username and password "
                               "(TANIUM_USERNAME, TANIUM_PASSWORD)")
        # Refused here, before anything is sent: requests would refuse them later, quoting the value.
        checked_header_value("api_token", api_token)
        checked_name("username", username)
        self.base_url = checked_base_url(url, allow_http)
        self.api_version = str(api_version)
        self.timeout = checked_timeout(timeout)
        # What the task should be told beside its result (the module's warn), or nothing.
        self.warn = warn or (lambda message: None)
        self._api_token = api_token
        self._username = username
        self._password = password
        self._session_token = api_token
        self._login_lock = threading.Lock()
        # Per thread: the Deadline requests of this thread obey (see `within`), if any.
        self._local = threading.local()
        # Which of two wire forms of a request this server serves, found out during this run.
        self.variants = WireVariants()
        self._policy = RetryPolicy(retries)
        self.ca_path = ca_path
        # The environment is read once here, not on every request: the proxy for this server (HTTPS_PROXY,
        # ALL_PROXY, NO_PROXY) now, the CA bundle variables in checked_verify. ~/.netrc is never read.
        self._proxy = environment_proxy(self.base_url)
        self._transport = Transport(checked_verify(validate_certs, ca_path), self._proxy, pool_size)
        self._headers = {"User-Agent": wire.USER_AGENT, "Accept": "application/json",
                         "Accept-Encoding": "gzip, deflate"}
        # (token, the headers with it): built once per session token, not on every request.
        self._token_headers = (None, self._headers)
        if not validate_certs and warn:
            warn("validate_certs is false: the identity of the Threat Response server is not verified.")

    # -- paths --------------------------------------------------------------------------------

    def api_path(self, template, **values):
        """A path in the intel/label/alert family chosen by api_version."""
        return wire.API_FAMILIES[self.api_version][0] + "/" + template.format(**values)

    def deploy_path(self, template, **values):
        return wire.API_FAMILIES[wire.DEPLOY_FAMILY][0] + "/" + template.format(**values)

    @contextlib.contextmanager
    def within(self, deadline):
        """Requests made in this block by this thread never sleep, retry or read past `deadline`
        (a _api.retry.Deadline); running out raises DeadlineExceeded naming the wait."""
        previous = getattr(self._local, "deadline", None)
        self._local.deadline = deadline
        try:
            yield deadline
        finally:
            self._local.deadline = previous

    # -- verbs ----------------------------------------------------------------------------------

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def get_or_none(self, path):
        """The object at `path`, or None when it does not exist: a 404, or a 400 that says "not found"
        (both answer a missing object, docs/wire-format.md#intel-documents)."""
        try:
            return self.get(path)
        except NotFoundError:
            return None
        except ApiError as error:
            if error.status == 400 and "not found" in error.message.lower():
                return None
            raise

    def post(self, path, json_body=None, data=None, headers=None):
        """Every POST of the collection creates something (a document, a label, a deployment)."""
        return self.request("POST", path, json_body=json_body, data=data, headers=headers, creates=True)

    def put(self, path, json_body=None, data=None, headers=None):
        return self.request("PUT", path, json_body=json_body, data=data, headers=headers)

    def delete(self, path, params=None):
        return self.request("DELETE", path, params=params)

    def download_to(self, path, fileobj, max_bytes):
        """GET a file into `fileobj` (binary and seekable: a retry writes it again from its start), refused past
        `max_bytes`; returns the answer's headers. The same auth, retries and errors as any request."""
        return self._call("GET", path, path, None, None, False, fileobj, max_bytes).headers

    def paginate(self, path, params=None, page_size=wire.PAGE_LIMIT, short_page_ends=False, items_key=None,
                 parallel=1):
        """Every item of a list endpoint, page by page (`limit`/`offset`).

        The end is an empty page, or `meta.totalCount` items read when the server says it (4.x); never
        a short page, which a server may answer before the end (docs/wire-format.md#paging).
        `short_page_ends`: lists the clients read with one GET (labels): the first request carries no
        offset, and only a full page (or a larger `meta.totalCount`) leads to the next.
        `items_key`: answers that hold their rows under this key, beside `totalCount` (file evidence).
        `parallel`: once the first page tells the total and the page size the server keeps to, the
        other pages are asked for up to this many at a time (yielded in order).
        """
        page_size = min(page_size, wire.PAGE_LIMIT)
        offset = 0
        previous = None
        ahead = None
        try:
            while True:
                if ahead is not None:
                    page, predicted = ahead.next()
                    if predicted != offset:
                        # A short page moved the offsets: go on from the rows received, a page at a time.
                        ahead.close()
                        ahead = None
                        continue
                else:
                    query = dict(params or {}, limit=page_size)
                    if offset or not short_page_ends:
                        query["offset"] = offset
                    answer = self.request("GET", path, params=query, keep_meta=True)
                    page, total = _page_and_total(answer, items_key)
                if not page or (short_page_ends and total is None and len(page) < page_size):
                    yield from page
                    return
                if same_page_again(previous, page):
                    raise ApiError("GET", path, 200, f"the server returned the same page again at offset {offset}")
                if offset == 0 and parallel > 1 and total is not None:
                    # The helper threads obey the caller's deadline, if any (see `within`).
                    ahead = _PagesAhead(self, path, dict(params or {}, limit=page_size), items_key,
                                        range(len(page), total, len(page)), parallel,
                                        getattr(self._local, "deadline", None))
                yield from page
                previous = page
                offset += len(page)
                if total is not None and offset >= total:
                    return
        finally:
            if ahead is not None:
                ahead.close()

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, creates=False,
                keep_meta=False):
        """Send one API call with auth, retries and error mapping; return the unwrapped JSON (or text/None).

        `creates` marks a POST that creates something: it is sent again only when the server surely
        did not act on it (429, 503, or no connection made). Otherwise WriteOutcomeUnknown tells the
        caller to look before trying again. `keep_meta` returns a 4.x list answer as (data, meta).
        """
        body, headers = _encoded(method, path, json_body, data, headers)
        query = {name: value for name, value in (params or {}).items() if value is not None}
        target = path + ("?" + urlencode(query, doseq=True) if query else "")
        answer = self._call(method, path, target, body, headers, creates)
        return self._decoded(method, path, answer, keep_meta)

    def _call(self, method, path, target, body, headers, creates, sink=None, sink_limit=None):
        """The first 2xx answer to `method target`, logging in again once when a login session expired."""
        renewed_login = False
        while True:
            token = self._current_token()
            answer = self._exchange(method, path, creates,
                                    lambda: self._send(method, path, target, body, headers, token, sink, sink_limit))
            status = answer.status_code
            if status in (401, 403) and self._username and not renewed_login:
                # Login sessions expire (401 or 403 depending on version and proxy): log in once more.
                renewed_login = True
                self._renew_login(token)
                continue
            if status < 300:
                return answer
            raise self._error(method, path, answer)

    def _exchange(self, method, path, creates, send):
        """send() again after a retryable failure, with backoff; returns the first final response.

        The one retry loop of the client, for API calls and logins alike.
        """
        attempt = 0
        deadline = getattr(self._local, "deadline", None)
        while True:
            try:
                response = send()
            except TransportError as failure:
                if failure.retryable and (not creates or not failure.request_sent) and attempt < self._policy.retries:
                    self._policy.wait(attempt, deadline=deadline, reason=failure.reason)
                    attempt += 1
                    continue
                if creates and failure.request_sent:
                    raise WriteOutcomeUnknown(method, path, failure.reason) from None
                if deadline is not None and deadline.remaining() <= 0:
                    raise deadline.exceeded(failure.reason) from None
                raise
            status = response.status_code
            if status not in RETRY_STATUSES:
                return response
            if not creates or status in NOT_APPLIED_STATUSES:
                if attempt < self._policy.retries:
                    self._policy.wait(attempt, response.headers.get("Retry-After"), deadline,
                                      f"{method} {path} answered HTTP {status}")
                    attempt += 1
                    continue
                return response
            raise WriteOutcomeUnknown(method, path, f"HTTP {status} from a gateway")

    # -- internals ------------------------------------------------------------------------------

    def _send(self, method, path, target, body, headers, token, sink=None, sink_limit=None):
        deadline = getattr(self._local, "deadline", None)
        timeout = self.timeout if deadline is None else deadline.request_timeout(self.timeout)
        try:
            return self._transport.exchange(method, self.base_url + target, self._headers_with(token, headers), body,
                                            timeout, sink, sink_limit)
        except ExchangeFailed as failure:
            reason, sent, retryable = describe_transport_failure(
                failure, self.base_url, round(timeout, 1), self.ca_path, self._proxy)
            raise TransportError(method, path, self.scrub(reason), request_sent=sent, retryable=retryable) from None

    def _headers_with(self, token, extra):
        """The client's headers with the session token and `extra`; the common case (no extra) built once."""
        cached_token, headers = self._token_headers
        if cached_token != token:
            headers = dict(self._headers, session=token) if token else self._headers
            self._token_headers = (token, headers)
        return dict(headers, **extra) if extra else headers

    def _current_token(self):
        if self._session_token is None:
            self._renew_login(None)
        return self._session_token

    def _renew_login(self, stale_token):
        with self._login_lock:
            # Another worker thread may have logged in again already while this one waited.
            if self._session_token is not None and self._session_token != stale_token:
                return
            self._session_token = None
            if not self._username:
                return
            body = self._login({"username": self._username, "password": self._password})
            session = body.get("session") if isinstance(body, dict) else None
            if not isinstance(session, str) or not session:
                raise AuthError("POST", wire.LOGIN_PATH, 200, "the login response holds no session")
            self.scrub.add(session)
            if not is_header_value(session):
                raise AuthError("POST", wire.LOGIN_PATH, 200, "the login response holds a session that an HTTP"
                                " header cannot carry (a line break or another control character)")
            self._session_token = session

    def _login(self, credentials):
        path = wire.LOGIN_PATH
        body, headers = _encoded("POST", path, credentials, None, None)
        answer = self._exchange("POST", path, False, lambda: self._send("POST", path, path, body, headers, None))
        if answer.status_code in (401, 403):
            raise AuthError("POST", path, answer.status_code,
                            f"login as {self._username!r} was refused: {server_message(answer.content, self.scrub)}")
        if answer.status_code >= 300:
            raise self._error("POST", path, answer)
        return self._decoded("POST", path, answer)

    def _error(self, method, path, answer):
        status = answer.status_code
        if 300 <= status < 400:
            # Never followed: a redirect would carry the session header to wherever it points.
            location = answer.headers.get("Location")
            where = f"to {self.scrub(location)}" if location else "without a Location"
            return ApiError(method, path, status, f"the server answered with a redirect {where}; the collection"
                            " follows no redirect: check url")
        if status == 407:  # from a proxy to a plain-HTTP request (to an https url it refuses the tunnel instead)
            return ApiError(method, path, status, proxy_refused_credentials(self._proxy, https=False))
        message = server_message(answer.content, self.scrub)
        if status in (401, 403):
            if self._api_token and not self._username:
                message += token_refused_hint(self._api_token)
            return AuthError(method, path, status, message)
        if status == 404:
            return NotFoundError(method, path, status, message)
        return ApiError(method, path, status, message)

    def _decoded(self, method, path, answer, keep_meta=False):
        """JSON bodies decoded and unwrapped from the 4.x {"data": ...} envelope; other bodies as text.

        With `keep_meta`, (data, meta) where meta is the envelope's `meta` object, or None."""
        if answer.status_code == 204 or not answer.content:
            return None
        content_type = answer.headers.get("Content-Type", "")
        if "json" in content_type:
            # JSON is UTF-8 (or UTF-16/32, which json tells from the bytes): a charset parameter is ignored.
            try:
                body = json.loads(answer.content)
            except RecursionError:
                raise ApiError(method, path, answer.status_code, "the answer is JSON nested more deeply than it"
                               " can be read") from None
            except ValueError as error:
                raise ApiError(method, path, answer.status_code, f"the answer is not valid JSON ({error})") from None
            if isinstance(body, dict) and "data" in body:
                return (body["data"], body.get("meta")) if keep_meta else body["data"]
            return (body, None) if keep_meta else body
        charset = _CHARSET.search(content_type)
        try:
            text = answer.content.decode(charset.group(1) if charset else "utf-8", errors="replace")
        except LookupError:
            raise ApiError(method, path, answer.status_code, f"the answer's charset {charset.group(1)[:40]!r} is"
                           " unknown") from None
        return (text, None) if keep_meta else text


def token_refused_hint(token):
    """The likely reasons a server refuses an API token (docs/wire-format.md#api-tokens); never
    the token itself."""
    missing = " (the token given has none)" if not token.startswith("token-") else ""
    return (f" (the API token was refused; likely causes: the `token-` prefix is missing{missing}, the token"
            " expired (7 days after it was made, by default), or this host's address is not in the token's"
            " trusted IP list, api_token_trusted_ip_address_list)")


class _PagesAhead:
    """The pages after the first, asked for `parallel` at a time as soon as the first page tells the total."""

    def __init__(self, client, path, query, items_key, offsets, parallel, deadline):
        def fetch(offset):
            with client.within(deadline):
                answer = client.request("GET", path, params=dict(query, offset=offset), keep_meta=True)
            return _page_and_total(answer, items_key)[0]

        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=parallel)
        self._pending = [(offset, self._pool.submit(fetch, offset)) for offset in offsets]
        self._pending.reverse()  # handed out from the end

    def next(self):
        """(the next page, the offset it was asked for), or ([], None) once every page was handed out."""
        if not self._pending:
            return [], None
        offset, future = self._pending.pop()
        return future.result(), offset

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


def same_page_again(previous, page):
    """Whether `page` repeats the page read just before it: a server that ignores the paging position
    (`offset`, or `row_start` in tanium-options) answers it again and again, and would be asked forever.
    The one guard of every paged read."""
    return bool(page) and page == previous


def _page_and_total(answer, items_key=None):
    """(items, the list's total or None) from a list answer decoded with keep_meta."""
    body, meta = answer if isinstance(answer, tuple) else (answer, None)
    if items_key is not None:
        # {"<items_key>": [...], "totalCount": N}: the rows and their total side by side.
        meta = body if isinstance(body, dict) else {}
        body = meta.get(items_key)
    total = meta.get("totalCount") if isinstance(meta, dict) else None
    return as_list(body), (total if isinstance(total, int) and not isinstance(total, bool) else None)


def as_list(value):
    """The server may answer a one-item list with the bare object (docs/wire-format.md#intel-documents)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return list(value)


def _encoded(method, path, json_body, data, headers):
    """(the body as bytes, the request's own headers): JSON encoded once, before the first try."""
    if json_body is None:
        return (data.encode("utf-8") if isinstance(data, str) else data), headers
    try:
        body = json.dumps(json_body, allow_nan=False).encode("utf-8")
    except ValueError:
        raise TransportError(method, path, "the request body holds a number standard JSON cannot carry (NaN or"
                             " Infinity); nothing was sent", request_sent=False, retryable=False) from None
    return body, dict(headers or {}, **{"Content-Type": "application/json"})
