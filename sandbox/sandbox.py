"""The local CRM sandbox: a synthetic sales org served by a Salesforce emulator (HTTPS, with a CA
generated at start) and a HubSpot emulator (HTTP), both on 127.0.0.1.

    with Sandbox(OrgConfig(seed=7, activities=20_000)) as sandbox:
        sandbox.salesforce.url, sandbox.hubspot.url, sandbox.ca_path, sandbox.credentials()
        sandbox.mutations.move_deal_stage(...); sandbox.clock.advance(timedelta(hours=1))
        sandbox.requests.count("hubspot.objects.*")
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
import trustme

from sandbox.faults import FaultInjector, FaultRule, PageTamper
from sandbox.hubspot.app import HubSpotApp, HubSpotConfig
from sandbox.org.config import OrgConfig
from sandbox.org.generate import OrgSummary, generate
from sandbox.org.mutations import Clock, Mutations
from sandbox.requestlog import RequestLog
from sandbox.salesforce.app import SalesforceApp, SalesforceConfig
from sandbox.salesforce.transport import emulator_session
from sandbox.server import EmulatorServer
from sandbox.store import Store


@dataclass(frozen=True)
class SandboxConfig:
    org: OrgConfig = field(default_factory=OrgConfig)
    salesforce: SalesforceConfig = field(default_factory=SalesforceConfig)
    hubspot: HubSpotConfig = field(default_factory=HubSpotConfig)
    salesforce_port: int = 0  # 0: any free port
    hubspot_port: int = 0
    fault_seed: int = 0


class _CombinedLog:
    """Both emulators' request logs read as one (endpoint names are prefixed by service)."""

    def __init__(self, *logs: RequestLog) -> None:
        self._logs = logs

    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for log in self._logs:
            total.update(log.counts())
        return total

    def count(self, endpoints: str = "*", *, status: int | None = None) -> int:
        return sum(log.count(endpoints, status=status) for log in self._logs)

    def clear(self) -> None:
        for log in self._logs:
            log.clear()


class Sandbox:
    def __init__(self, config: SandboxConfig | OrgConfig | None = None) -> None:
        if isinstance(config, OrgConfig):
            config = SandboxConfig(org=config)
        self.config = config or SandboxConfig()
        self.org = self.config.org.resolved()
        self.store = Store(custom_fields=self.org.custom_fields)
        self.summary: OrgSummary | None = None
        self.clock = Clock(self.org.end)
        self.mutations = Mutations(self.store, self.clock, seed=self.org.seed)
        self._workdir = Path(tempfile.mkdtemp(prefix="barometer-sandbox-"))
        self.ca_path = self._workdir / "sandbox-ca.pem"
        self.faults = FaultInjector(self.config.fault_seed)
        self.salesforce_app = SalesforceApp(self.store, self.config.salesforce, now=lambda: self.clock.now)
        self.hubspot_app = HubSpotApp(self.store, self.config.hubspot, now=lambda: self.clock.now)
        self.salesforce: EmulatorServer | None = None
        self.hubspot: EmulatorServer | None = None
        self.requests: _CombinedLog | None = None  # both request logs, once started

    def start(self) -> Sandbox:
        self.summary = generate(self.org, self.store)
        ca = trustme.CA(organization_name="Barometer sandbox CA")
        ca.cert_pem.write_to_path(str(self.ca_path))
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
        self.salesforce = EmulatorServer(
            self.salesforce_app, tls=tls, port=self.config.salesforce_port, faults=self.faults
        ).start()
        self.salesforce_app.base_url = self.salesforce.url
        self.hubspot = EmulatorServer(
            self.hubspot_app, port=self.config.hubspot_port, faults=self.faults
        ).start()
        self.requests = _CombinedLog(self.salesforce.log, self.hubspot.log)
        return self

    def stop(self) -> None:
        for server in (self.salesforce, self.hubspot):
            if server is not None:
                server.stop()
        self.store.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def inject_faults(self, rule: FaultRule) -> FaultRule:
        """Add a fault rule for endpoints of either emulator (e.g. FaultRule('hubspot.*', rate=0.1))."""
        return self.faults.add(rule)

    def tamper_pages(self, tamper: PageTamper) -> PageTamper:
        """Rewrite successful answers of matching endpoints (malformed records, broken JSON); removed,
        with the fault rules, by `faults.clear()`."""
        return self.faults.tamper(tamper)

    def salesforce_session(self) -> requests.Session:
        """A requests session for simple-salesforce that reaches the emulator from any login host."""
        return emulator_session(self.salesforce.url, str(self.ca_path))

    def credentials(self) -> dict[str, str]:
        """Everything a client needs, as environment variables a user would set."""
        sf = self.config.salesforce.credentials
        return {
            "SALESFORCE_INSTANCE_URL": self.salesforce.url,
            "SALESFORCE_ACCESS_TOKEN": self.salesforce_app.issue_session(),
            "SALESFORCE_USERNAME": sf.username,
            "SALESFORCE_PASSWORD": sf.password,
            "SALESFORCE_SECURITY_TOKEN": sf.security_token,
            "SALESFORCE_CLIENT_ID": sf.consumer_key,
            "SALESFORCE_CLIENT_SECRET": sf.consumer_secret,
            "SALESFORCE_DOMAIN": sf.my_domain,
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            "HUBSPOT_BASE_URL": self.hubspot.url,
            "HUBSPOT_ACCESS_TOKEN": self.config.hubspot.access_tokens[0],
        }
