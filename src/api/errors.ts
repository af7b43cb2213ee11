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

  toBody(): { error: { code: string; message: string; httpStatus: number; path?: string } } {
    return { error: { code: this.code, message: this.message, httpStatus: this.httpStatus, ...(this.path ? { path: this.path } : {}) } };
  }
}

export const notFound = (what = 'cluster'): ApiError => new ApiError('NOT_FOUND', `${what} not found`);
