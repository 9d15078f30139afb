"""Reach the Salesforce emulator from simple-salesforce's hard-wired login hosts.

simple-salesforce sends logins to https://{domain}.salesforce.com; this adapter re-targets every
https request to the emulator's origin (scheme, host and port), keeping path and query. After a
login the client talks to the instance URL the emulator returned, which is the emulator itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


class EmulatorAdapter(HTTPAdapter):
    def __init__(self, emulator_url: str, ca_path: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._target = urlsplit(emulator_url)
        self._ca_path = ca_path

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = urlunsplit((self._target.scheme, self._target.netloc, parts.path, parts.query, ""))
        # Trust the sandbox CA here: requests lets REQUESTS_CA_BUNDLE override a session's `verify`.
        kwargs["verify"] = self._ca_path
        return super().send(request, **kwargs)


def emulator_session(emulator_url: str, ca_path: str) -> requests.Session:
    """A requests session whose https traffic goes to the emulator, trusting the sandbox CA."""
    session = requests.Session()
    session.mount("https://", EmulatorAdapter(emulator_url, ca_path))
    session.verify = ca_path
    return session
