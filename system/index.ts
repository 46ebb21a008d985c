export * from './start-system.ts';
export { REPLICABLE_MODULES, type ReplicableModule, type ReplicaCounts } from './replicas.ts';
export { withSystem, type WithSystemOptions, type SystemTarget } from './with-system.ts';
export { runFlagship, type RunFlagshipOptions, type RunFlagshipResult } from './run-flagship.ts';
export { waitUntilRecordedEnd } from './wait-until-recorded-end.ts';
export { createInstanceHost, instanceModuleNames, type InstanceHost, type HostedModule } from './instance-modules.ts';
