import { AppError } from '@ebs/service-kit/errors';

/** 409 HOLD_EXPIRED: the hold's expiresAt passed (MySQL's clock), whether or not the sweeper got to it yet. */
export const holdExpired = () =>
  new AppError('HOLD_EXPIRED', 'This hold has expired and its seats were released; book again');
