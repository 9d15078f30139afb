"""Salesforce logins and sessions: SOAP username/password/token, OAuth2 token endpoint (password and
client-credentials grants) and session ids that expire after a configurable lifetime."""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import orjson

from sandbox.web import Request, Response, json_response

ORG_ID = "00D5g000004ZBaREAW"
INTEGRATION_USER_ID = "0055g00000BAROMAAU"
_PARTNER_NS = "urn:partner.soap.sforce.com"


@dataclass(frozen=True)
class SalesforceCredentials:
    username: str = "integration@barometer-sandbox.example"
    password: str = "sandbox-password"  # noqa: S105 - a public credential of the local sandbox
    security_token: str = "SANDBOXTOKEN0000"  # noqa: S105
    consumer_key: str = "3MVG9sandbox.consumer.key"
    consumer_secret: str = "sandbox-consumer-secret"  # noqa: S105
    my_domain: str = (
        "barometer-sandbox.my"  # client-credentials logins go to https://<my_domain>.salesforce.com
    )


class Sessions:
    """Issued session ids with their expiry (monotonic seconds)."""

    def __init__(self, lifetime_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self.logins = 0

    def issue(self) -> str:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._expiry[token] = self._clock() + self.lifetime_seconds
            self.logins += 1
        return token

    def is_valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and self._clock() < expiry

    def expire_all(self) -> None:
        """Every issued session expires now, as when an admin revokes them or they time out."""
        with self._lock:
            now = self._clock()
            self._expiry = dict.fromkeys(self._expiry, now)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") else None


INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def invalid_session_response() -> Response:
    return json_response(INVALID_SESSION, status=401)


# --- SOAP login ---------------------------------------------------------------------------------


def _soap_fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        f'<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(500, body.encode(), "text/xml;charset=UTF-8")


def _soap_success(base_url: str, version: str, session_id: str, lifetime: int, username: str) -> Response:
    org = ORG_ID[:15]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>'
        f"<metadataServerUrl>{base_url}/services/Soap/m/{version}/{org}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{base_url}/services/Soap/u/{version}/{org}</serverUrl>"
        f"<sessionId>{session_id}</sessionId><userId>{INTEGRATION_USER_ID}</userId>"
        "<userInfo><currencySymbol>$</currencySymbol><organizationId>"
        f"{ORG_ID}</organizationId><organizationMultiCurrency>true</organizationMultiCurrency>"
        "<organizationName>Barometer Sandbox</organizationName>"
        f"<sessionSecondsValid>{lifetime}</sessionSecondsValid><userDefaultCurrencyIsoCode>USD"
        f"</userDefaultCurrencyIsoCode><userEmail>{escape(username)}</userEmail>"
        f"<userFullName>Integration User</userFullName><userId>{INTEGRATION_USER_ID}</userId>"
        f"<userName>{escape(username)}</userName><userTimeZone>America/New_York</userTimeZone>"
        "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(200, body.encode(), "text/xml;charset=UTF-8")


def soap_login(request: Request, creds: SalesforceCredentials, sessions: Sessions, base_url: str) -> Response:
    version = request.params.get("version", "59.0")
    try:
        root = ElementTree.fromstring(request.body)  # noqa: S314 - a local emulator parsing its own client's XML
    except ElementTree.ParseError:
        return _soap_fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
    username = root.findtext(f".//{{{_PARTNER_NS}}}username") or ""
    password = root.findtext(f".//{{{_PARTNER_NS}}}password") or ""
    expected = creds.password + creds.security_token
    if not (_same(username, creds.username) and _same(password, expected)):
        return _soap_fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
    return _soap_success(base_url, version, sessions.issue(), int(sessions.lifetime_seconds), username)


# --- OAuth 2.0 token endpoint -------------------------------------------------------------------


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status=status)


def _form(request: Request) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))


def oauth_token(
    request: Request, creds: SalesforceCredentials, sessions: Sessions, base_url: str
) -> Response:
    form = _form(request)
    grant = form.get("grant_type", "")
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = request.headers.get("Authorization") or ""
    if basic.lower().startswith("basic "):
        try:
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return _oauth_error("invalid_client", "invalid client credentials", 401)
    if not (_same(client_id or "", creds.consumer_key) and _same(client_secret or "", creds.consumer_secret)):
        return _oauth_error("invalid_client_id", "client identifier invalid")
    if grant == "password":
        password = form.get("password", "")
        ok_password = _same(password, creds.password) or _same(
            password, creds.password + creds.security_token
        )
        if not (_same(form.get("username", ""), creds.username) and ok_password):
            return _oauth_error("invalid_grant", "authentication failure")
    elif grant != "client_credentials":
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    token = sessions.issue()
    issued_at = str(int(time.time() * 1000))
    signature = base64.b64encode(
        hmac.new(creds.consumer_secret.encode(), (base_url + issued_at).encode(), "sha256").digest()
    ).decode()
    return Response(
        200,
        orjson.dumps(
            {
                "access_token": token,
                "instance_url": base_url,
                "id": f"{base_url}/id/{ORG_ID}/{INTEGRATION_USER_ID}",
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": signature,
                "scope": "api",
            }
        ),
    )


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
