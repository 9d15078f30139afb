"""The demo's CRM sandbox: local emulators of the Salesforce and HubSpot APIs over a synthetic sales org,
with fault injection and a request log (docs/sandbox.md). `barometer demo`, `barometer sandbox`, the tests
and the benchmarks import it; `barometer sync` never does."""
