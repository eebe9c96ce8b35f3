// Assertions uvu lacks: awaiting a rejection.
import * as assert from 'uvu/assert';

/** Awaits `promise`, asserts it rejected (with a message matching `pattern`), returns the error. */
export async function rejects(promise: Promise<unknown>, pattern?: RegExp): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (pattern) assert.match((err as Error).message, pattern);
    return err as Error;
  }
  assert.unreachable('expected the promise to reject');
  throw new Error('unreachable');
}
