import { testKeyPairEnv } from '../../src/testing';

// The kit's own tests need no database: only this run's token key pair (tests mint with its private half).
export default async function globalSetup(): Promise<void> {
  Object.assign(process.env, testKeyPairEnv());
}
