import type { SimResponse } from '../common/http.js';

/** Hetzner error codes the emulator answers with (provider-apis.md §2.6). */
export type HetznerErrorCode =
  | 'json_error'
  | 'unauthorized'
  | 'token_readonly'
  | 'resource_unavailable'
  | 'not_found'
  | 'method_not_allowed'
  | 'uniqueness_error'
  | 'invalid_input'
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'unavailable'
  | 'timeout'
  | 'forbidden'
  | 'conflict';

/** The one error shape of the Hetzner API: `{error: {code, message, details}}`, always JSON. */
export function hetznerError(status: number, code: HetznerErrorCode, message: string, details: unknown = {}): SimResponse {
  return { status, body: { error: { code, message, details } } };
}

/** `invalid_input` with the per-field detail shape `{fields: [{name, messages}]}`. */
export function invalidInput(field: string, message: string): SimResponse {
  return hetznerError(422, 'invalid_input', `invalid input in field '${field}'`, { fields: [{ name: field, messages: [message] }] });
}

const CODE_BY_STATUS: Record<number, HetznerErrorCode> = {
  400: 'json_error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  422: 'invalid_input',
  429: 'rate_limit_exceeded',
  503: 'unavailable',
  504: 'timeout',
};

/** The error Hetzner would send for an HTTP status (used for injected faults). */
export function errorForStatus(status: number): SimResponse {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_input');
  return hetznerError(status, code, `simulated ${code} (HTTP ${status})`);
}
