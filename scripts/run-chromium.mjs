// The extra Chromium flags of `make run` (scripts/run.mjs): the demo page is
// served over TLS as api.tyme-app.com (so the manifest's host permission
// covers it) with a throw-away certificate, which Chromium trusts by its
// public key pin alone (`--ignore-certificate-errors-spki-list`), not by
// ignoring certificate errors everywhere. tests/e2e/local.test.mjs checks it.
export function runChromiumArgs(pages) {
  if (!pages || !pages.port || !pages.spki) throw new Error('runChromiumArgs needs the TLS page server (port and spki)');
  return [
    `--host-resolver-rules=MAP api.tyme-app.com 127.0.0.1:${pages.port}`,
    `--ignore-certificate-errors-spki-list=${pages.spki}`,
  ];
}
