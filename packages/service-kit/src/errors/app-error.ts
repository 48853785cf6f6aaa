/** The error codes of the API contract (docs/api.md) and their HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  SOLD_OUT: 409,
  CONFLICT: 409,
  HOLD_EXPIRED: 409,
  SEATS_AVAILABLE: 409,
  IDEMPOTENCY_MISMATCH: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  // Refusals of the HTTP edge (not in the list of docs/api.md, which gives no code for these statuses).
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorDetail = { field: string; message: string };

export type AppErrorOptions = {
  /** The invalid fields, for VALIDATION_FAILED. */
  details?: ErrorDetail[];
  /** Response headers the error requires, e.g. WWW-Authenticate (401) or Retry-After (429, 503). */
  headers?: Record<string, string>;
  /** What caused it (logged, never sent to the client). */
  cause?: unknown;
};

/** Every failure a client may see is an AppError; the error middleware turns it into the response. */
export class AppError extends Error {
  readonly status: number;
  readonly details?: ErrorDetail[];
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: AppErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.details = opts.details;
    this.headers = opts.headers;
  }

  toBody(): { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);
export const unavailable = (message: string): AppError => new AppError('UNAVAILABLE', message);
export const validationFailed = (details: ErrorDetail[]): AppError =>
  new AppError('VALIDATION_FAILED', 'Request validation failed', { details });

/** 401: no usable credentials. `WWW-Authenticate: Bearer` tells the client how to authenticate (RFC 6750). */
export const unauthenticated = (message: string, invalidToken = false): AppError =>
  new AppError('UNAUTHENTICATED', message, {
    headers: { 'WWW-Authenticate': invalidToken ? 'Bearer error="invalid_token"' : 'Bearer' },
  });
/** 403: the caller is known but may not do this. */
export const forbidden = (message: string): AppError => new AppError('FORBIDDEN', message);
export const rateLimited = (message: string, retryAfterSeconds: number): AppError =>
  new AppError('RATE_LIMITED', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
