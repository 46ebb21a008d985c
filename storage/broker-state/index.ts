export { SqliteBrokerPersistence, type SubscriptionMatch, type SubscriptionOptions } from './sqlite-broker-persistence.ts';
export { BROKER_STATE_MIGRATIONS, migrateBrokerState } from './migrations.ts';
