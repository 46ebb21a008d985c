export {
  ConversationMachine,
  conversationStateName,
  type ConversationInput,
  type ConversationContext,
  type ConversationMachineEvent,
  type ConversationEffect,
  type ConversationSnapshotOf,
} from './conversation-machine.ts';
export * from './workflow-machine.ts';
export { instanceMachine, type InstanceEvent, type InstanceMachineContext, type InstanceState } from './instance-machine.ts';
