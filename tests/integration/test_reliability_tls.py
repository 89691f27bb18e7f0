"""TLS, url and proxy settings through ansible-playbook: each mistake fails naming the setting to check."""

from emulator.tls import ensure_certificates
from local_servers import closed_port, plain_http_api

LABELS = "/plugin/products/threat-response/api/v1/labels"


def info_task(task_name, **options):
    # A label filter makes two requests (labels, then intels): a warning per request would show twice.
    return {"name": task_name, "ignore_errors": True, "tanium.threat_response.intel_info": dict(label="Windows", **options)}


def test_certificate_checks_through_the_modules(emulator, run_playbook, tmp_path):
    other_ca = ensure_certificates(str(tmp_path / "other-ca"))[0]
    tasks = [
        info_task("wrong CA", ca_path=other_ca),
        info_task("system trust store"),
        info_task("not verified", validate_certs=False),
        info_task("emulator CA", ca_path=emulator.ca_file),
    ]
    # No CA from the environment: "system trust store" must fall back to the system's, which lacks the emulator's.
    run = run_playbook(tasks, env={"TANIUM_CA_PATH": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""})
    where = emulator.url.removeprefix("https://")

    assert run.status("wrong CA") == "failed"
    message = run.task("wrong CA")["msg"]
    assert message.startswith(f"GET {LABELS} failed: TLS verification of {where} failed (")
    assert message.endswith(f"check that ca_path ({other_ca}) holds the CA that signed the server's certificate")
    assert run.status("system trust store") == "failed"
    assert "set ca_path to the PEM file of the CA" in run.task("system trust store")["msg"]

    assert run.status("not verified") == "ok"
    (warning,) = run.task("not verified")["warnings"]
    assert "validate_certs is false" in warning
    assert "InsecureRequestWarning" not in run.output
    assert run.status("emulator CA") == "ok" and "warnings" not in run.task("emulator CA")

    # A refused handshake sends no request: only the two verified-or-unverified tasks reached the API.
    assert [entry["path"].rsplit("/", 1)[-1] for entry in emulator.journal] == ["labels", "intels"] * 2


def test_url_and_tls_mistakes_through_the_modules_each_name_their_setting(emulator, run_playbook, tmp_path):
    missing_ca = tmp_path / "missing-ca.pem"
    with plain_http_api({"data": []}) as (http_url, seen):
        run = run_playbook([
            info_task("missing CA file", ca_path=str(missing_ca)),
            info_task("missing bundle in the environment", ca_path=""),
            info_task("http url", url=http_url),
            info_task("http url for a lab", url=http_url, allow_http=True),
            info_task("https url to the plain-HTTP port", url=http_url.replace("http://", "https://")),
        ], env={"REQUESTS_CA_BUNDLE": str(tmp_path / "missing-bundle.pem")})
    assert run.task("missing CA file")["msg"].startswith(f"ca_path (TANIUM_CA_PATH) {missing_ca} does not exist")
    assert run.task("missing bundle in the environment")["msg"].startswith(
        f"the REQUESTS_CA_BUNDLE environment variable names {tmp_path / 'missing-bundle.pem'}, which does not exist")
    assert "would send the API token or password in clear text" in run.task("http url")["msg"]
    assert run.status("http url for a lab") == "ok"
    assert "did not answer in TLS" in run.task("https url to the plain-HTTP port")["msg"]
    assert [request["path"].split("?")[0].rsplit("/", 1)[-1] for request in seen] == ["labels"]  # no such label: done
    assert emulator.journal == []
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output


def test_a_dead_proxy_through_the_modules_names_the_proxy_and_the_variable(emulator, run_playbook):
    dead = closed_port()
    run = run_playbook([info_task("through a dead proxy", retries=0)],
                       env={"HTTPS_PROXY": f"http://127.0.0.1:{dead}", "NO_PROXY": "", "no_proxy": ""})
    message = run.task("through a dead proxy")["msg"]
    assert f"through the proxy 127.0.0.1:{dead} set by the HTTPS_PROXY" in message
    assert emulator.journal == []
