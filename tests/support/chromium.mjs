// Debian's Chromium as the tests launch it: headless-safe flags for this
// machine (no background connections to a closed network), and its sandbox
// off only where it must be: as root, Chromium refuses to start with it.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const asRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The flags for a user: `--no-sandbox` only for root. */
export function chromiumArgsFor({ root = asRoot() } = {}) {
  return [
    ...(root ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ];
}

export const CHROMIUM_ARGS = chromiumArgsFor();
// Playwright's `chromiumSandbox` launch option (its default, false, adds --no-sandbox itself).
export const CHROMIUM_SANDBOX = !asRoot();
