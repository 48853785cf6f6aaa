// Fills the secrets a .env leaves empty with fresh random values, so that `docker compose up` can start:
// JWT_PRIVATE_KEY (a new Ed25519 key, PKCS#8 PEM on one line with \n), ADMIN_EMAIL/ADMIN_PASSWORD, and the
// MySQL passwords. Values already set are kept. Prints what it filled (never the values, but the admin's).
//   node scripts/env-secrets.mjs [path/to/.env]      (default: .env at the repository root)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMain } from './run-as-main.mjs';

const password = () => randomBytes(18).toString('base64url');

/** Generators for the secrets, by variable name. URL-safe values: they may end up in connection URLs. */
const SECRETS = {
  JWT_PRIVATE_KEY: () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).trim().replace(/\n/g, '\\n'),
  ADMIN_PASSWORD: password,
  MYSQL_PASSWORD: password,
  MYSQL_MIGRATE_PASSWORD: password,
  MYSQL_ADMIN_PASSWORD: null, // the local server's admin password is not ours to invent
  MYSQL_ROOT_PASSWORD: password,
};

/** The .env text with every empty secret filled; `filled` names what changed. */
export function fillSecrets(text) {
  const filled = [];
  const values = Object.fromEntries(
    text
      .split('\n')
      .map((l) => l.match(/^([A-Z0-9_]+)=(.*)$/))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
  const adminEmpty = !values.ADMIN_EMAIL && !values.ADMIN_PASSWORD;
  const lines = text.split('\n').map((line) => {
    const m = line.match(/^([A-Z0-9_]+)=$/);
    if (!m) return line;
    const name = m[1];
    if (name === 'ADMIN_EMAIL' && adminEmpty) {
      filled.push(name);
      return 'ADMIN_EMAIL=admin@example.com';
    }
    if (name === 'ADMIN_PASSWORD' && !adminEmpty) return line;
    const make = SECRETS[name];
    if (!make) return line;
    filled.push(name);
    return `${name}=${make()}`;
  });
  return { text: lines.join('\n'), filled };
}

if (isMain(import.meta.filename)) {
  const file = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', '.env'));
  const { text, filled } = fillSecrets(readFileSync(file, 'utf8'));
  writeFileSync(file, text, { mode: 0o600 });
  console.log(filled.length ? `${file}: filled ${filled.join(', ')}` : `${file}: no empty secret left`);
  const admin = text.match(/^ADMIN_EMAIL=(.+)$/m)?.[1];
  const adminPassword = text.match(/^ADMIN_PASSWORD=(.+)$/m)?.[1];
  if (filled.includes('ADMIN_PASSWORD') && admin) console.log(`admin: ${admin} / ${adminPassword}`);
}
