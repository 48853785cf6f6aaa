// Development signing keys for tokens (docs/configuration.md: "Local `npm start` makes a development key pair when
// none is configured"). Kept in .dev-keys/ at the repo root, which git ignores; never for production.
//   node scripts/dev-keys.mjs          prints the .env line (JWT_PRIVATE_KEY="...\n...") for compose
//   import { devAuthEnv } from './dev-keys.mjs'   what scripts/start-local.mjs passes to the services
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, '.dev-keys');
const privateFile = path.join(dir, 'jwt-private.pem');
const publicFile = path.join(dir, 'jwt-public.pem');

/** The development Ed25519 key pair (PKCS#8 / SPKI PEM), made on first use and kept in .dev-keys/. */
export function devKeyPair() {
  if (!existsSync(privateFile) || !existsSync(publicFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
    console.log(`Made a development token key pair in ${path.relative(root, dir)}/ (git ignores it).`);
  }
  return { privateKey: readFileSync(privateFile, 'utf8'), publicKey: readFileSync(publicFile, 'utf8') };
}

const mysqlFile = path.join(dir, 'mysql-passwords.json');

/**
 * What `npm start` adds for MySQL: when the migration runner makes the accounts (MYSQL_ADMIN_USER set) and
 * MYSQL_PASSWORD or MYSQL_MIGRATE_PASSWORD is empty, a random password for that account, made once and kept in
 * .dev-keys/mysql-passwords.json (by account name), so the accounts never have an empty password.
 * `setting(name)` reads the environment, then .env.
 */
/** MySQL on this machine (a loopback MYSQL_HOST): the only one the development helpers ever change. */
export const isLocalMysqlHost = (host) => ['127.0.0.1', 'localhost', '::1'].includes(host);

export function devMysqlEnv(setting = configured) {
  const admin = setting('MYSQL_ADMIN_USER');
  if (!admin) return {};
  // Only for MySQL on this machine: on a shared server an empty password is an operator's to set, not ours.
  if (!isLocalMysqlHost(setting('MYSQL_HOST') || '127.0.0.1')) return {};
  const wanted = [
    ['MYSQL_PASSWORD', setting('MYSQL_USER') || 'root'],
    ['MYSQL_MIGRATE_PASSWORD', setting('MYSQL_MIGRATE_USER')],
  ].filter(([name, user]) => user && user !== admin && !setting(name));
  if (wanted.length === 0) return {};
  const kept = existsSync(mysqlFile) ? JSON.parse(readFileSync(mysqlFile, 'utf8')) : {};
  const env = {};
  let made = false;
  for (const [name, user] of wanted) {
    if (!kept[user]) {
      kept[user] = randomBytes(18).toString('base64url');
      made = true;
    }
    env[name] = kept[user];
  }
  if (made) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(mysqlFile, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
    console.log(`Made development MySQL passwords in ${path.relative(root, mysqlFile)} (git ignores it).`);
  }
  return env;
}

/** The value of name in the environment or the root .env ('' when absent or empty). */
function configured(name) {
  if (process.env[name]) return process.env[name];
  const envFile = path.join(root, '.env');
  if (!existsSync(envFile)) return '';
  const line = readFileSync(envFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  return line
    ? line
        .slice(name.length + 1)
        .replace(/^["']|["']$/g, '')
        .trim()
    : '';
}

/**
 * What `npm start` adds to every service's environment: the development key pair when no JWT_PRIVATE_KEY is
 * configured (the others then verify with JWT_PUBLIC_KEY and never call user-service), and a development
 * admin when ADMIN_EMAIL is not set.
 */
export function devAuthEnv() {
  const env = {};
  if (!configured('JWT_PRIVATE_KEY')) {
    const keys = devKeyPair();
    env.JWT_PRIVATE_KEY = keys.privateKey;
    if (!configured('JWT_PUBLIC_KEY')) env.JWT_PUBLIC_KEY = keys.publicKey;
  }
  if (!configured('ADMIN_EMAIL')) {
    env.ADMIN_EMAIL = 'admin@example.com';
    env.ADMIN_PASSWORD = 'change-this-admin-password';
    console.log(
      'Development admin: admin@example.com / change-this-admin-password (set ADMIN_EMAIL/ADMIN_PASSWORD to change).',
    );
  }
  return env;
}

if (process.argv[1] === import.meta.filename) {
  const { privateKey } = devKeyPair();
  console.log(`JWT_PRIVATE_KEY="${privateKey.trim().replace(/\n/g, '\\n')}"`);
}
