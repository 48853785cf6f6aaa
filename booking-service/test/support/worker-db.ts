// Runs before each suite, in its worker: the suite uses its worker's own database (see global-setup.ts).
const databases = (process.env.TEST_MYSQL_DBS ?? '').split(',').filter(Boolean);
if (databases.length > 0) {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const database = databases[worker - 1];
  if (database === undefined) throw new Error(`no test database for jest worker ${worker} (${databases.length} made)`);
  process.env.MYSQL_DB = database;
}
