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
