type ErrorClass<E> = abstract new (...args: never[]) => E;

/**
 * The error `promise` rejects with, checked to be an instance of `type`: the test fails when the promise
 * fulfils or rejects with anything else. `expect(...).rejects` cannot hand the error back for its fields.
 */
export async function rejection<E extends Error = Error>(
  promise: Promise<unknown>,
  type: ErrorClass<E> = Error as unknown as ErrorClass<E>,
): Promise<E> {
  const outcome = await promise.then(
    (value: unknown) => ({ fulfilled: true as const, value }),
    (reason: unknown) => ({ fulfilled: false as const, reason }),
  );
  if (outcome.fulfilled)
    throw new Error(`expected a rejection with ${type.name}, got ${String(outcome.value)}`);
  if (!(outcome.reason instanceof type))
    throw new Error(`expected a ${type.name}, got ${String(outcome.reason)}`, { cause: outcome.reason });
  return outcome.reason;
}
