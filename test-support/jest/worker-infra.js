// jest setupFiles of every package whose run makes a database or nats-server per worker (see src/test-run.ts).
require('../dist/test-run').useWorkerInfra();
