import { expect } from 'chai';
import { CommsError, type ErrorCode } from '../../protocol/index.ts';

/** The CommsError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<CommsError> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(CommsError);
    return err as CommsError;
  }
  expect.fail('expected a rejection');
}

/** The CommsError `promise` rejects with, which must carry `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<CommsError> {
  const err = await rejection(promise);
  expect(err.code, err.message).to.equal(code);
  return err;
}
