// Errors as the pages show them: {code, message}, in the browser's language.
import { t } from '../i18n.js';

export class UserError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

export const signedOutError = () => new UserError('signed_out', t('err_signed_out'));

/** A refusal of the shared rules ({error, key, args}) in the browser's language. */
export const refusal = (r) => new UserError('invalid_input', r.key ? t(r.key, ...(r.args || [])) : r.error);

export function errorInfo(e) {
  const code = e && e.code ? e.code : 'internal';
  const status = e && e.status;
  const messages = {
    network: () => t('err_network'),
    server: () => (status ? t('err_server_status', status) : t('err_server')),
    rate_limited: () => (e && e.retryAfter ? t('err_rate_limited_retry', e.retryAfter) : t('err_rate_limited')),
    reauth_required: () => t('err_reauth_required'),
    unauthorized: () => t('err_unauthorized'),
    forbidden: () => t('err_forbidden'),
    bad_response: () => t('err_bad_response'),
  };
  const message = messages[code] ? messages[code]() : (e && e.message) || t('err_internal');
  return { code, message: String(message).slice(0, 300) };
}

/** What a handler's failure answers to the page. */
export function errorReply(e) {
  return e instanceof UserError ? { code: e.code, message: e.message } : errorInfo(e);
}
