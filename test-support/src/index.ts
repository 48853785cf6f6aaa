// @ebs/test-support: the one copy of how tests of every package find and start their infrastructure.

export { type AfterSwallow, type FaultProxy, type FaultProxyTarget, startFaultProxy } from './fault-proxy';
export { migrateDatabase } from './migrate';
export { findBinary, freePort, type OwnServer, startOwnNats, startOwnRedis, startOwnServer } from './own-servers';
export { canConnect, dockerAnswers } from './probe';
export { type MysqlTarget, resolveMysql, resolveNats, resolveRedis, type Source } from './resolve';
export { infraMode, REPO_ROOT, setting } from './settings';
export { onOwnDatabase, type TestRunOptions, testRunSetup, testRunTeardown, useWorkerInfra } from './test-run';
export { until } from './until';
