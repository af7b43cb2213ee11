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
  | 'conflict'
  | 'resource_unavailable'
  | 'locked';

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
  412: 'resource_unavailable',
  422: 'invalid_input',
  423: 'locked',
  429: 'rate_limit_exceeded',
  503: 'unavailable',
  504: 'timeout',
};

/** The error Hetzner would send for an HTTP status, or with `code` (used for injected faults). */
export function errorForStatus(status: number, code?: string): SimResponse {
  const c = code ?? CODE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_input');
  return { status, body: { error: { code: c, message: `simulated ${c} (HTTP ${status})`, details: {} } } };
}

/**
 * Out of stock: the server type cannot be placed in the location for now. Hetzner answers 412
 * `{"error": {"code": "resource_unavailable", "message": "error during placement", "details": null}}`
 * (captured in jenkinsci/hetzner-cloud-plugin#21; also syself/cluster-api-provider-hetzner#112).
 */
export function placementError(): SimResponse {
  return hetznerError(412, 'resource_unavailable', 'error during placement', null);
}

/** Another action (the create) holds the server: 423 `locked` (Hetzner's error code table). */
export function lockedError(command: string): SimResponse {
  return hetznerError(423, 'locked', `The item you are trying to access is locked (there is already an action running: ${command})`);
}
