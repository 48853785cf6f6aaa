import { loadConfig } from '../src/config';

describe('config', () => {
  test('when nothing is set, then the defaults of DESIGN.md §5 apply', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      logLevel: 'info',
      db: { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'ebs' },
    });
  });

  test('when a value is empty, then the default applies', () => {
    expect(loadConfig({ MYSQL_PORT: '', PORT: '' }).db.port).toBe(3306);
  });

  test.each([
    ['MYSQL_PORT', 'abc'],
    ['MYSQL_PORT', '70000'],
    ['PORT', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['MYSQL_DB', 'ebs; DROP DATABASE x'],
  ])('when %s=%s, then loading fails naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });
});
