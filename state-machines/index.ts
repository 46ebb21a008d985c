export { ConversationMachine } from './conversation-machine.ts';
export type {
  AckOverdue,
  ConversationInput,
  ConversationContext,
  ConversationMachineEvent,
  ConversationEffects,
  ConversationOutput,
  FinalConversationState,
} from './conversation-contract.ts';
export * from './workflow-machine.ts';
export {
  InstanceMachine,
  type InstanceEvent,
  type InstanceMachineContext,
  type InstanceMachineOutput,
  type InstanceState,
} from './instance-machine.ts';
