import { CommitOutcomeUnknown, TransactionTimeout } from '@ebs/service-kit/db';
import { AppError } from '@ebs/service-kit/errors';

const RETRY_AFTER = { 'Retry-After': '1' };

/**
 * What a request is told when MySQL did not complete its transaction (docs/api.md "Ticket rush"): past the
 * transaction's deadline (MYSQL_TRANSACTION_TIMEOUT_MS) nothing of it was written -> 503 with Retry-After; when
 * COMMIT was sent, its answer lost and MySQL could not be asked whether it applied it -> 503 with Retry-After
 * that says so (`what` names the write: "booking", "cancel"...). Any other error is returned as it is.
 */
export function transactionFailure(err: unknown, what: string): unknown {
  if (err instanceof CommitOutcomeUnknown || (err as { code?: unknown })?.code === 'COMMIT_OUTCOME_UNKNOWN') {
    return new AppError(
      'UNAVAILABLE',
      `The database did not confirm whether the ${what} was saved and cannot be reached to find out: look it up before trying again`,
      { headers: RETRY_AFTER, cause: err },
    );
  }
  if (err instanceof TransactionTimeout || (err as { code?: unknown })?.code === 'TRANSACTION_TIMEOUT') {
    return new AppError('UNAVAILABLE', `The database did not answer in time and the ${what} was not saved, try again`, {
      headers: RETRY_AFTER,
      cause: err,
    });
  }
  return err;
}

/** A catch handler that throws transactionFailure(err, what): `withTransaction(...).catch(failedAs('cancel'))`. */
export const failedAs =
  (what: string) =>
  (err: unknown): never => {
    throw transactionFailure(err, what);
  };
