export {
  ConversationMachine,
  type AckOverdue,
  type ConversationInput,
  type ConversationContext,
  type ConversationMachineEvent,
  type ConversationEffects,
  type ConversationOutput,
  type FinalConversationState,
} from './conversation-machine.ts';
export * from './workflow-machine.ts';
export {
  InstanceMachine,
  type InstanceEvent,
  type InstanceMachineContext,
  type InstanceMachineOutput,
  type InstanceState,
} from './instance-machine.ts';
