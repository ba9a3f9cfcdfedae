// Errors as the pages show them: {code, message}.

export class UserError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

export const signedOutError = () => new UserError('signed_out', 'You are signed out. Sign in to Tyme.');

export function errorInfo(e) {
  const code = e && e.code ? e.code : 'internal';
  const status = e && e.status;
  const messages = {
    network: 'Cannot reach Tyme (offline or the server is down). Your changes are kept and will be sent.',
    server: `Tyme answered with a server error${status ? ` (HTTP ${status})` : ''}. Your changes are kept and will be retried.`,
    rate_limited: `Tyme is limiting requests${e && e.retryAfter ? `; retrying in ${e.retryAfter} s` : ''}. Your changes are kept.`,
    reauth_required: 'Signed out — sign in again. Your changes are kept and will be sent after sign-in.',
    unauthorized: 'Tyme did not accept the sign-in. Sign in again.',
    forbidden: 'This Tyme account has no API access (the account must be a team admin with API access).',
    bad_response: 'Tyme sent an answer that could not be understood.',
  };
  const message = messages[code] || (e && e.message) || 'Something went wrong.';
  return { code, message: String(message).slice(0, 300) };
}

/** What a handler's failure answers to the page. */
export function errorReply(e) {
  return e instanceof UserError ? { code: e.code, message: e.message } : errorInfo(e);
}
