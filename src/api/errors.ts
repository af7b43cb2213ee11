/** The API's error codes (tRPC-style names, as the seed's envelope suggests) and their HTTP statuses. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The API's error envelope, `{error: {code, message, httpStatus, path?, requestId?}}`: built here only. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; httpStatus: number; path?: string; requestId?: string };
}

export function errorBody(code: ErrorCode, message: string, extra: { path?: string; requestId?: string } = {}): ErrorBody {
  return { error: { code, message, httpStatus: ERROR_CODES[code], ...(extra.path ? { path: extra.path } : {}), ...(extra.requestId ? { requestId: extra.requestId } : {}) } };
}

/**
 * A client error with a message for the client (STYLE "Errors at the edges"). `path` names the
 * failing field for validation errors (`nodes[1].count`).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly httpStatus: number;

  constructor(
    readonly code: Exclude<ErrorCode, 'INTERNAL_SERVER_ERROR'>,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.httpStatus = ERROR_CODES[code];
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.path ? { path: this.path } : {});
  }
}

export const notFound = (what = 'cluster'): ApiError => new ApiError('NOT_FOUND', `${what} not found`);
