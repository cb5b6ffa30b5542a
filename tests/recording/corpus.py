"""A planted-secret corpus: made-up values shaped like real credentials, each in one place.

Every value is invented for these tests (no real key, token or password); each is shaped like
the real thing so the detectors that catch real ones catch it. ``place`` says where the value
goes in an exchange: a request or response header, the URI (path, query, userinfo), a JSON,
form-encoded or plain-text body, in the request or the response. ``template`` holds ``{v}``
where the value goes (a JSON template is a Python object holding ``"{v}"`` strings).

``exchange(case, base)`` builds the concrete request and response of one case, for the
scrubber, for a cassette written directly (scan) and for the local upstream (recording).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# Values are split so that no whole credential-shaped literal sits in one source token.
_RSA = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)
_OPENSSH = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDx7Jm1Q4qfT2Kp0Lr9WmZcY3Nv8BbHsU5aE6oR1dXgTwAAAJhk2Lw7ZNi8\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
_EC = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oEL6Rb4qP0LoAoGCCqGSM49\n"
    "-----END EC PRIVATE KEY-----"
)
_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJ1c2VyLTQyIiwic2NvcGUiOiJyZWFkIiwiaWF0IjoxNzAwMDAwMDAwfQ"
    ".Jq3vQ0mXo0E2r8YbKp7c1Zt9uR4wFhN6aLsD5gVyTtE"
)
_JWT2 = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0"
    ".eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLnRlc3QiLCJzdWIiOiI5OSJ9"
    ".c2lnbmF0dXJlLWJ5dGVzLWhlcmUtZm9yLXRlc3Rpbmctb25seQ"
)


@dataclass(frozen=True)
class Planted:
    """One made-up secret and where it is planted."""

    id: str
    value: str
    place: str  # req_header, resp_header, uri, req_json, resp_json, req_form, resp_text, ...
    template: Any
    header: str = ""  # the header name, for req_header / resp_header
    env: str = ""  # an environment variable holding the value (a literal, known secret)


CORPUS: list[Planted] = [
    # --- AWS
    Planted("aws-key-id-json", "AKIA" + "Q4ZTXN7RB2LW5HJD", "resp_json", {"data": {"ref": "{v}"}}),
    Planted(
        "aws-secret-json",
        "wJ7rXUtnFE3I/K7MDENG" + "bPxRfiCY9xq2LmZ4vB8n",
        "resp_json",
        {"Credentials": {"SecretAccessKey": "{v}"}},
    ),
    Planted(
        "aws-secret-text",
        "Zk3pR8sT1uV6wX2yA9bC" + "4dE7fG0hJ5kL8mN1pQ3r",
        "resp_text",
        "[default]\naws_secret_access_key = {v}\nregion = eu-west-1\n",
    ),
    Planted(
        "aws-key-id-location",
        "ASIA" + "J7KQ2MXN4PLR8TWZ",
        "resp_header",
        "https://files.example.test/get?X-Amz-Credential={v}%2F20240101%2Fus-east-1",
        header="Location",
    ),
    Planted(
        "aws-session-token-json",
        "IQoJb3JpZ2luX2VjEHgaCXVzLWVhc3QtMSJHMEUCIQD" + "x7Lk2pQ9mVn3Rs8Tz1Wb4Yc6Hd0",
        "resp_json",
        {"Credentials": {"SessionToken": "{v}"}},
    ),
    # --- Slack
    Planted(
        "slack-bot-token-json",
        "xoxb-" + "204918305521-3918471092812-Ab3dEf9hIj2kLm5nOp8qRs1T",
        "resp_json",
        {"items": [{"value": "{v}"}]},
    ),
    Planted(
        "slack-user-token-text",
        "xoxp-" + "117320958410-118205947361-5029185736-0a1b2c3d4e5f",
        "resp_text",
        "Installed. Token for the workspace: {v}\n",
    ),
    Planted(
        "slack-webhook-json",
        "https://hooks.slack.com/services/" + "T0A1B2C3D/B4E5F6G7H/q8W2e4R6t8Y0u2I4o6P8a0S2",
        "req_json",
        {"notify": {"url": "{v}"}},
    ),
    # --- JWT
    Planted("jwt-neutral-key-request", _JWT, "req_json", {"id": "{v}", "kind": "session"}),
    Planted(
        "jwt-location-query",
        _JWT2,
        "resp_header",
        "https://app.example.test/callback?state={v}&step=2",
        header="Location",
    ),
    Planted(
        "jwt-set-cookie",
        _JWT[:-5] + "QxYz9",
        "resp_header",
        "prefs={v}; Path=/; HttpOnly",
        header="Set-Cookie",
    ),
    # --- private keys
    Planted("rsa-private-key-json", _RSA, "resp_json", {"bundle": {"pem": "{v}"}}),
    Planted("openssh-private-key-text", _OPENSSH, "resp_text", "Your new key:\n{v}\n"),
    Planted("ec-private-key-request", _EC, "req_json", {"cert_bundle": "{v}"}),
    # --- GitHub
    Planted(
        "github-pat-neutral-key",
        "github_pat_" + "11AZQ3K5Y0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789abcdefGHIJKLmnopQR",
        "resp_json",
        {"meta": {"note": "{v}"}},
    ),
    Planted(
        "github-ghp-query", "ghp_" + "Qm7Xw2Lk9Vb4Nz6Rt1Yp3Hs8Dj5Fg0Ca2Ue4", "uri", "/search?q={v}"
    ),
    Planted(
        "github-gho-link",
        "gho_" + "Rt5Yh8Jk2Lm4Nb7Vc1Xz3Qw6Ea9Sd0Fg2Hj5",
        "resp_header",
        '<https://api.example.test/items?page=2&oauth={v}>; rel="next"',
        header="Link",
    ),
    Planted(
        "github-ghs-neutral-header",
        "ghs_" + "Pl0Ok9Ij8Uh7Yg6Tf5Rd4Es3Wa2Qz1Xc0Vb9N",
        "resp_header",
        "installation {v}",
        header="X-Debug-Info",
    ),
    # --- GitLab
    Planted(
        "gitlab-pat-private-token-query",
        "glpat-" + "x9Kq2Lm7Np4Rs8Tv1Wz3",
        "uri",
        "/api/v4/projects?private_token={v}",
    ),
    Planted(
        "gitlab-pat-header",
        "glpat-" + "Hd6Jf2Kg8Lh4Mj0Nk5Pl",
        "req_header",
        "{v}",
        header="PRIVATE-TOKEN",
    ),
    Planted(
        "gitlab-pat-neutral-json",
        "glpat-" + "Qa3Ws5Ed7Rf9Tg1Yh2Uj",
        "resp_json",
        {"result": {"ref": "{v}"}},
    ),
    Planted(
        "gitlab-pat-deploy-header",
        "glpat-" + "Zm8Xn2Cb4Vl6Kq0Pw3Ei",
        "req_header",
        "{v}",
        header="X-Deploy",
    ),
    Planted(
        "gitlab-pat-text",
        "glpat-" + "Ty7Ui1Op5As9Df3Gh6Jk",
        "resp_text",
        "created {v} for the deploy\n",
    ),
    # --- Google
    Planted(
        "google-api-key-json",
        "AIza" + "SyB3kLm9Np2Qr5St8Uv1Wx4Yz7Ab0Cd3Ef6",
        "resp_json",
        {"config": {"ref": "{v}"}},
    ),
    Planted(
        "google-api-key-query",
        "AIza" + "Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb",
        "uri",
        "/maps?ref={v}",
    ),
    # --- payment / AI / package registries
    Planted(
        "stripe-secret-form",
        "sk_live_" + "51Hq2KxLm9Np3Rs7Tv4Wz8Yb",
        "req_form",
        "amount=100&currency=eur&stripe_key={v}",
    ),
    Planted(
        "stripe-restricted-text",
        "rk_live_" + "51Jd7Fk2Lg9Mh4Nj8Pk3Ql6R",
        "resp_text",
        "restricted key created: {v}\n",
    ),
    Planted(
        "openai-project-key-bearer",
        "sk-proj-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3",
        "req_header",
        "Bearer {v}",
        header="Authorization",
    ),
    Planted(
        "anthropic-key-x-api-key",
        "sk-ant-api03-" + "Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-dCbA9z8Y",
        "req_header",
        "{v}",
        header="x-api-key",
    ),
    Planted(
        "npm-token-list",
        "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "resp_json",
        {"registries": [{"host": "registry.example.test", "value": "{v}"}]},
    ),
    Planted(
        "pypi-token-text",
        "pypi-AgEIcHlwaS5vcmc" + "CJGQ3ZDM2YjE0LWI5ZTctNGU0Ni04ZTM3LTg1ZGUyNzQxMWE0NwACKlsz",
        "resp_text",
        "[pypi]\nusername = __token__\npassword = {v}\n",
    ),
    Planted(
        "sendgrid-key-json",
        "SG." + "aB3cD5eF7gH9iJ1kL3mN5o.pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3r",
        "resp_json",
        {"integration": {"value": "{v}"}},
    ),
    Planted("twilio-key-query", "SK" + "0123456789abcdef0123456789abcdef", "uri", "/calls?ref={v}"),
    Planted(
        "telegram-bot-path",
        "7012345678:" + "AAH3kLm9Np2Qr5St8Uv1Wx4Yz7Ab0Cd3Ef6",
        "uri",
        "/bot{v}/sendMessage",
    ),
    Planted(
        "discord-bot-header",
        "MTA5ODc2NTQzMjEwOTg3NjU0" + ".Gh7Ab2.Xk9Lm3Np7Rs1Tv5Wz9Yb3Dc7Fh1Jk5Mn9Qr3",
        "resp_header",
        "bot {v}",
        header="X-Integration",
    ),
    Planted(
        "mailchimp-key-json",
        "0123456789abcdef0123456789abcdef" + "-us14",
        "req_json",
        {"list": {"value": "{v}"}},
    ),
    Planted(
        "square-oauth-json",
        "sq0csp-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4c",
        "resp_json",
        {"app": {"value": "{v}"}},
    ),
    # --- by name: headers, query, path, userinfo, JSON, form, text
    Planted(
        "custom-auth-header",
        "pa_" + "7Hq2Lx9Kd4Mz8Nw3Rv6Tb1Yc5",
        "req_header",
        "{v}",
        header="X-Partner-Auth",
    ),
    Planted(
        "custom-key-header",
        "wk" + "9f3K2mX7pL4qR8sT1vW6yZ0b",
        "req_header",
        "{v}",
        header="X-Widget-Key",
    ),
    Planted(
        "session-key-json",
        "s3" + "Kx9Lq2Mv7Nw4Pz8Rt1Yb6Hc",
        "resp_json",
        {"session": {"key": "{v}", "ttl": 3600}},
    ),
    Planted(
        "token-list-first",
        "tk" + "Q7w2E9r4T1y8U3i6O0p5A2sD",
        "resp_json",
        {"tokens": ["{v}", "other"]},
    ),
    Planted(
        "token-list-second",
        "tk" + "Z4x7C1v8B3n6M9l2K5j0H3gF",
        "resp_json",
        {"tokens": ["first", "{v}"]},
    ),
    Planted(
        "api-key-text-plain",
        "ak" + "Lm3Np8Qr2St7Uv1Wx6Yz9Bc",
        "resp_text",
        "status=ok\napi_key={v}\n",
    ),
    Planted(
        "api-key-form",
        "fk" + "Yb4Nc8Md2Pe6Qf0Rg3Sh7Tj",
        "req_form",
        "grant_type=client&api_key={v}",
    ),
    Planted(
        "client-secret-form",
        "cs" + "Xz1Wy5Vx9Uw3Tv7Su2Rt6Qs",
        "req_form",
        "client_id=app-42&client_secret={v}",
    ),
    Planted(
        "private-token-query",
        "pt" + "Hk2Jl6Km0Ln4Mp8Nq3Or7Ps",
        "uri",
        "/projects?page=2&private_token={v}",
    ),
    Planted(
        "access-token-location",
        "at" + "Ds5Fg9Hj3Kl7Zx1Cv5Bn9Mq",
        "resp_header",
        "https://app.example.test/done#access_token={v}&token_type=bearer",
        header="Location",
    ),
    Planted("token-in-path", "Rv8Tb2Yn6Um0Ik4Ol8Pq3Wa7", "uri", "/api/tokens/{v}/revoke"),
    Planted("url-password", "Pw" + "d7Kq3Lm9Xv2Nb", "uri", "userinfo:{v}"),
    Planted(
        "bearer-random",
        "Zq8Wm3Xr7Tn2Kp5Lv9Hd4Jf6Gs",
        "req_header",
        "Bearer {v}",
        header="Authorization",
    ),
    Planted("password-json", "Tr0ub4dor&3-horse", "req_json", {"user": "bob", "password": "{v}"}),
    Planted(
        "refresh-token-json",
        "rt" + "Mn4Bv8Cx2Zl6Kj0Hg4Fd8Sa",
        "resp_json",
        {"access": {"refresh_token": "{v}", "expires_in": 3600}},
    ),
    Planted(
        "session-cookie",
        "sid" + "Ka8Lb2Mc6Nd0Oe4Pf8Qg2Rh",
        "req_header",
        "theme=dark; sessionid={v}",
        header="Cookie",
    ),
    Planted(
        "auth-set-cookie",
        "au" + "Xc3Vb7Nm1Qw5Er9Ty3Ui7Op",
        "resp_header",
        "auth_token={v}; Path=/; Secure",
        header="Set-Cookie",
    ),
    Planted(
        "env-secret-neutral-json",
        "corp-relay-7781-west",
        "resp_json",
        {"relay": "via {v}"},
        env="RELAY_SERVICE_TOKEN",
    ),
    Planted(
        "env-secret-request-path",
        "tenant-blue-4417",
        "uri",
        "/tenants/{v}/status",
        env="TENANT_API_KEY",
    ),
]

ENV = {case.env: case.value for case in CORPUS if case.env}


def fill(template: Any, value: str) -> Any:
    """``template`` with every ``{v}`` replaced by ``value`` (strings inside JSON, too)."""
    if isinstance(template, str):
        return template.replace("{v}", value)
    if isinstance(template, dict):
        return {k: fill(v, value) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(item, value) for item in template]
    return template


def exchange(case: Planted, base: str) -> dict[str, Any]:
    """The request and response of ``case`` against ``base`` (``http://host:port``):
    ``{"method", "uri", "request_headers", "request_body", "status", "response_headers",
    "response_body"}`` with str values (bodies as text)."""
    out: dict[str, Any] = {
        "method": "GET",
        "uri": f"{base}/{case.id}",
        "request_headers": {"Accept": "application/json"},
        "request_body": None,
        "status": 200,
        "response_headers": {"Content-Type": "application/json"},
        "response_body": json.dumps({"ok": True}),
    }
    filled = fill(case.template, case.value)
    if case.place == "uri":
        if filled.startswith("userinfo:"):
            scheme, _, host = base.partition("://")
            password = quote(filled.split(":", 1)[1], safe="")
            out["uri"] = f"{scheme}://deploy:{password}@{host}/{case.id}/login"
        else:
            out["uri"] = f"{base}/{case.id}{filled}"
    elif case.place == "req_header":
        out["request_headers"][case.header] = filled
    elif case.place == "resp_header":
        out["response_headers"][case.header] = filled
    elif case.place == "req_json":
        out["method"] = "POST"
        out["request_headers"]["Content-Type"] = "application/json"
        out["request_body"] = json.dumps(filled)
    elif case.place == "resp_json":
        out["response_body"] = json.dumps(filled)
    elif case.place == "req_form":
        out["method"] = "POST"
        out["request_headers"]["Content-Type"] = "application/x-www-form-urlencoded"
        out["request_body"] = filled
    elif case.place == "resp_text":
        out["response_headers"]["Content-Type"] = "text/plain; charset=utf-8"
        out["response_body"] = filled
    else:  # pragma: no cover
        raise ValueError(case.place)
    return out


def cassette_document(exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    """A vcrpy cassette (as vcrpy's YAML serializer writes it) holding ``exchanges``."""
    return {
        "interactions": [
            {
                "request": {
                    "body": ex["request_body"],
                    "headers": {k: [v] for k, v in ex["request_headers"].items()},
                    "method": ex["method"],
                    "uri": ex["uri"],
                },
                "response": {
                    "body": {"string": ex["response_body"]},
                    "headers": {k: [v] for k, v in ex["response_headers"].items()},
                    "status": {"code": ex["status"], "message": "OK"},
                },
            }
            for ex in exchanges
        ],
        "version": 1,
    }


def leaks(text: str) -> list[str]:
    """Ids of the corpus values present in ``text`` (as they are, or percent-encoded)."""
    found = []
    for case in CORPUS:
        forms = {
            case.value,
            quote(case.value, safe=""),
            quote(case.value),
            json.dumps(case.value)[1:-1],
        }
        if any(form in text for form in forms):
            found.append(case.id)
    return found
