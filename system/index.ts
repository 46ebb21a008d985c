export * from './start-system.ts';
export { REPLICABLE_MODULES, type ReplicableModule, type ReplicaCounts } from './replicas.ts';
export { withSystem, type WithSystemOptions, type SystemTarget } from './with-system.ts';
export { runFlagship, type RunFlagshipOptions, type RunFlagshipResult } from './run-flagship.ts';
export { runTemplate, type RunTemplateOptions, type RunTemplateResult } from './run-flagship-template.ts';
export { waitUntilRecordedEnd, waitUntilRecorded } from './wait-until-recorded-end.ts';
export { createInstanceHost, instanceModuleNames, type InstanceHost, type HostedModule } from './instance-modules.ts';
