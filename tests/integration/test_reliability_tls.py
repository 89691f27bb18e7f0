"""TLS through ansible-playbook: a wrong CA fails naming ca_path; validate_certs false works and warns once."""

from emulator.tls import ensure_certificates

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
