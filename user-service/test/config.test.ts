import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../src/config';

const pem = (type: 'ed25519' | 'ec') => {
  const { privateKey, publicKey } =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return {
    private: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    public: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const key = pem('ed25519');
const base = { JWT_PRIVATE_KEY: key.private };

describe('config', () => {
  test('when only the signing key is set, then the defaults of docs/configuration.md apply', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      port: 3000,
      logLevel: 'info',
      db: { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'ebs' },
      auth: { ttlSeconds: 3600 },
    });
    expect(c.admin).toBeUndefined();
    expect(c.auth.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  test('when a value is empty, then the default applies', () => {
    expect(loadConfig({ ...base, MYSQL_PORT: '', PORT: '' }).db.port).toBe(3306);
  });

  test('when the PEM comes on one line with \\n escapes (as in .env), then it is read as the key', () => {
    const oneLine = key.private.trim().replace(/\n/g, '\\n');
    expect(oneLine).not.toContain('\n');
    expect(loadConfig({ JWT_PRIVATE_KEY: oneLine }).auth.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  test('when the key is P-256, then it is accepted (ES256)', () => {
    expect(loadConfig({ JWT_PRIVATE_KEY: pem('ec').private }).auth.privateKey.asymmetricKeyType).toBe('ec');
  });

  test('when the admin is given, then email is lower-cased and both are kept', () => {
    const c = loadConfig({ ...base, ADMIN_EMAIL: 'Admin@Example.com', ADMIN_PASSWORD: 'admin password' });
    expect(c.admin).toEqual({ email: 'admin@example.com', password: 'admin password' });
  });

  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  test.each([
    ['MYSQL_PORT', 'abc', 'abc'],
    ['MYSQL_PORT', '70000', '70000'],
    ['PORT', '-1', '-1'],
    ['LOG_LEVEL', 'loud', 'loud'],
    ['MYSQL_DB', 'an injection', 'ebs; DROP DATABASE x'],
    ['JWT_PRIVATE_KEY', 'not a PEM', 'not a pem'],
    ['JWT_PRIVATE_KEY', 'a public key', key.public],
    ['JWT_PRIVATE_KEY', 'an RSA key', rsaKey.toString()],
    ['JWT_TTL_SECONDS', '0', '0'],
    ['JWT_TTL_SECONDS', 'words', 'an hour'],
    ['ADMIN_EMAIL', 'not an email', 'not-an-email'],
    ['ADMIN_PASSWORD', '5 characters', 'short'],
    ['TRUST_PROXY', 'true (any client could choose its address)', 'true'],
    ['TRUST_PROXY', 'a word', 'yes please'],
    ['TRUST_PROXY', 'a subnet too wide', '10.0.0.0/33'],
    ['TRUST_PROXY', 'too many hops', '11'],
  ])('when %s is %s, then loading fails naming the variable', (name, _, value) => {
    const env = { ...base, ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'long enough', [name]: value };
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });

  test.each([
    ['unset', undefined, false],
    ['false', 'false', false],
    ['0', '0', false],
    ['a number of proxies', '2', 2],
    [
      'a list of ranges and subnets',
      'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.10',
      ['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.10'],
    ],
  ])('when TRUST_PROXY is %s, then trust proxy is %p', (_, value, expected) => {
    expect(loadConfig({ ...base, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test('when JWT_PRIVATE_KEY is missing, then loading fails naming it', () => {
    expect(() => loadConfig({})).toThrow(/JWT_PRIVATE_KEY:/);
  });

  test('when only one of ADMIN_EMAIL and ADMIN_PASSWORD is set, then loading fails naming them', () => {
    expect(() => loadConfig({ ...base, ADMIN_EMAIL: 'a@example.com' })).toThrow(/ADMIN_PASSWORD:.*ADMIN_EMAIL/);
  });

  test('when the key is invalid, then the message names the variable but never shows the value', () => {
    const secretish = 'S3CRET-VALUE-THAT-MUST-NOT-LEAK';
    expect(() => loadConfig({ JWT_PRIVATE_KEY: secretish })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secretish) }),
    );
  });
});
