export { Actor, type ActorOptions, type ActorEvents, type MessageListener } from './actor.ts';
export { Conversation, type ConversationEvents } from './conversation.ts';
export { defineQuery, type QueryHandler, type HandlerContext } from './query-handler.ts';
export { DEFAULT_REQUEST_OPTIONS, type RequestOptions } from './request-options.ts';
export { openBusConnection, type BusConnectionOptions } from './bus-connection.ts';
export { connectionOptions, type ModuleConnectionOptions } from './module-connection.ts';
export { planSubscriptions } from './subscription-plan.ts';
