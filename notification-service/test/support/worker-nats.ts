// Runs in each test file before it loads (jest setupFiles). global-setup starts one nats-server per jest
// worker: this points the file at its worker's own, so a durable consumer, its pending counts and the
// metrics of the consumer that took a message all belong to the suite that published it.
const urls = process.env.NATS_URLS?.split(' ') ?? [];
const worker = Number(process.env.JEST_WORKER_ID ?? '1');
const own = urls[worker - 1];
if (own) process.env.NATS_URL = own;
