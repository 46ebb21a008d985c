export { startBroker, type BrokerOptions, type EmbeddedBroker } from './embedded-broker.ts';
export type { AccessPolicy, Principal } from './access-policy.ts';
export type { PublishTap, TappedPublish } from './publish-tap.ts';
export type { DeliveryBatching } from './delivery-batching.ts';
