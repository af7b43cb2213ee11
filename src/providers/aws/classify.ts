import { StalledError, TransientError } from '../../reconcile/errors.js';

/**
 * A clean cause for a failed EC2 call: the facts only. The SDK's own error objects are never
 * rethrown nor kept, because they hold the raw response and request metadata.
 */
export class Ec2CallFailure extends Error {
  override readonly name = 'Ec2CallFailure';

  constructor(
    readonly operation: string,
    /** HTTP status, or 0 when no answer came. */
    readonly status: number,
    /** EC2's error code (`RequestLimitExceeded` …) or the transport's (`ECONNRESET` …). */
    readonly code: string,
    detail: string,
    readonly requestId?: string,
  ) {
    super(`EC2 ${operation}: ${status === 0 ? code : `HTTP ${status} ${code}`}${detail ? `: ${detail}` : ''}${requestId ? ` (request ${requestId})` : ''}`);
  }
}

/** The parts of an SDK (or Node transport) error this module reads. */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException']);
const UNAUTHORIZED = new Set(['AuthFailure', 'UnauthorizedOperation', 'OptInRequired', 'Blocked', 'PendingVerification', 'SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidClientTokenId', 'MissingAuthenticationToken']);
/** Codes that will not change until a person acts, with the reason the controller sees. */
const STALLED: Record<string, string> = {
  InstanceLimitExceeded: 'QuotaExceeded',
  VcpuLimitExceeded: 'QuotaExceeded',
  IdempotentParameterMismatch: 'IdempotencyConflict',
  Unsupported: 'UnsupportedSize',
  'InvalidUserData.Malformed': 'InvalidUserData',
  'InvalidAMIID.Malformed': 'InvalidImage',
  'InvalidAMIID.NotFound': 'InvalidImage',
  'InvalidAMIID.Unavailable': 'InvalidImage',
};
/** 4xx codes that still pass with time. */
const TRANSIENT: Record<string, string> = {
  InsufficientInstanceCapacity: 'InsufficientCapacity',
  DependencyViolation: 'ResourceBusy',
};
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Sorts a failed EC2 call into the ProviderAdapter failure contract (STYLE "Errors at the
 * edges"). Provider text is kept only after every secret is scrubbed, and never for auth failures.
 */
export function classifyEc2Error(err: unknown, operation: string, secrets: readonly string[]): TransientError | StalledError {
  if (err instanceof TransientError || err instanceof StalledError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return classifyTransport(e, operation);
  const code = typeof e.name === 'string' ? e.name : 'UnknownError';
  const detail = scrub(typeof e.message === 'string' ? e.message : '', secrets);
  const requestId = e.$metadata?.requestId;
  const failure = (text: string) => new Ec2CallFailure(operation, status, code, text, requestId);
  const what = `EC2 ${operation}`;
  if (THROTTLING.has(code) || status === 429) return new TransientError('RateLimited', `${what}: throttled (${code})`, { cause: failure(detail) });
  if (UNAUTHORIZED.has(code) || status === 401 || status === 403) {
    return new StalledError('Unauthorized', `${what}: the AWS credentials were refused (${code})`, { cause: failure('') });
  }
  const cause = failure(detail);
  const stalled = STALLED[code];
  if (stalled) return new StalledError(stalled, `${what}: ${code}: ${detail}`, { cause });
  const transient = TRANSIENT[code];
  if (transient || status >= 500) return new TransientError(transient ?? 'ProviderUnavailable', `${what}: HTTP ${status} ${code}`, { cause });
  return new StalledError('InvalidRequest', `${what}: ${code}: ${detail}`, { cause });
}

/** No HTTP answer: a timeout or a broken connection passes; anything else is a bug or a bad setting. */
function classifyTransport(e: SdkErrorShape, operation: string): TransientError | StalledError {
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? e.code : name;
  const cause = new Ec2CallFailure(operation, 0, code, '');
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return new TransientError('Timeout', `EC2 ${operation}: no answer in time`, { cause });
  if (CONNECTION_CODES.has(code)) return new TransientError('ConnectionFailed', `EC2 ${operation}: connection failed (${code})`, { cause });
  return new StalledError('Unexpected', `EC2 ${operation}: unexpected failure (${name})`, { cause });
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join('[redacted]'), text);
}
