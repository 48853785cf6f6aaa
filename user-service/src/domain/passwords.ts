import { Algorithm, hash, verify } from '@node-rs/argon2';
import { countPasswordCheck } from '../metrics';

// argon2id with the OWASP minimum parameters (19 MiB, 2 passes, 1 lane); the salt is random per hash and
// travels inside the PHC string with the parameters, so they can be raised later without breaking logins.
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

let dummyHash: Promise<string> | undefined;

/**
 * True when password matches hash. Without a hash (unknown email, or a user without a password) a dummy
 * hash is checked instead, so both cost the same time and answer false.
 */
export async function passwordMatches(hashOrNothing: string | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword('not-a-real-password-only-for-timing');
  const target = hashOrNothing ?? (await dummyHash);
  countPasswordCheck();
  const ok = await verify(target, password).catch(() => false);
  return ok && hashOrNothing !== undefined;
}
