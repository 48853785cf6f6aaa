import { AppError, rateLimited, unauthenticated, validationFailed } from '../src/errors';

describe('AppError', () => {
  test('when made with details, headers and a cause, then the body shows code, message and details only', () => {
    const cause = new Error('ER_SOMETHING in SELECT ...');
    const err = new AppError('VALIDATION_FAILED', 'Request validation failed', {
      details: [{ field: 'name', message: 'Required' }],
      headers: { 'X-Extra': '1' },
      cause,
    });
    expect(err.status).toBe(400);
    expect(err.headers).toEqual({ 'X-Extra': '1' });
    expect(err.cause).toBe(cause);
    expect(err.toBody()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Request validation failed',
        details: [{ field: 'name', message: 'Required' }],
      },
    });
  });

  test('when made with no options, then the body has no details and there are no headers', () => {
    const err = new AppError('NOT_FOUND', 'Event not found');
    expect(err.status).toBe(404);
    expect(err.headers).toBeUndefined();
    expect(err.toBody()).toEqual({ error: { code: 'NOT_FOUND', message: 'Event not found' } });
  });

  test('when the helpers make 401, 429 and 400, then they carry the headers the contract requires', () => {
    expect(unauthenticated('no token').headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(unauthenticated('bad', true).headers).toEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    expect(rateLimited('slow down', 0.2).headers).toEqual({ 'Retry-After': '1' });
    expect(validationFailed([{ field: 'a', message: 'b' }]).details).toEqual([{ field: 'a', message: 'b' }]);
  });
});
