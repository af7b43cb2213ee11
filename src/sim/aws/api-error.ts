/**
 * An EC2 API error as the real service answers it: the error code clients branch on, the
 * message, and the HTTP status (client errors 4xx, throttling 503, server errors 5xx).
 */
export class Ec2ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function invalidValue(message: string): Ec2ApiError {
  return new Ec2ApiError('InvalidParameterValue', message);
}

export function missingParameter(name: string): Ec2ApiError {
  return new Ec2ApiError('MissingParameter', `The request must contain the parameter ${name}`);
}

/** EC2's message names every unknown id, in the singular or the plural form. */
export function instanceNotFound(ids: readonly string[]): Ec2ApiError {
  const message = ids.length === 1 ? `The instance ID '${ids[0]}' does not exist` : `The instance IDs '${ids.join(', ')}' do not exist`;
  return new Ec2ApiError('InvalidInstanceID.NotFound', message);
}

export function requestLimitExceeded(): Ec2ApiError {
  return new Ec2ApiError('RequestLimitExceeded', 'Request limit exceeded.', 503);
}

/** The error an injected HTTP fault answers with, in EC2's own vocabulary for that status. */
export function faultError(status: number): Ec2ApiError {
  const byStatus: Record<number, [string, string]> = {
    400: ['InvalidParameterValue', 'Injected fault.'],
    401: ['AuthFailure', 'AWS was not able to validate the provided access credentials'],
    403: ['UnauthorizedOperation', 'You are not authorized to perform this operation.'],
    // EC2 never answers 429; an injected 429 stands for throttling, which EC2 spells this way.
    429: ['RequestLimitExceeded', 'Request limit exceeded.'],
    500: ['InternalError', 'An internal error has occurred.'],
    503: ['Unavailable', "The server is overloaded and can't handle the request."],
  };
  const [code, message] = byStatus[status] ?? (status >= 500 ? ['InternalError', 'An internal error has occurred.'] : ['InvalidRequest', 'The request received was invalid.']);
  return new Ec2ApiError(code, message, status);
}
