/** Every `comms` command, one a file. */
export { actorCommand } from './actor.ts';
export { askCommand } from './ask.ts';
export { brokerCommand } from './broker.ts';
export { conversationsCommand } from './conversations.ts';
export { credsCommand } from './creds.ts';
export { dashboardCommand } from './dashboard.ts';
export { embedCommand } from './embed.ts';
export { eventsCommand } from './events.ts';
export { exportCommand } from './export.ts';
export { instanceCommand, instancesCommand } from './instances.ts';
export { mosquittoConfigCommand } from './mosquitto-config.ts';
export { recorderCommand } from './recorder.ts';
export { runCommand } from './run.ts';
export { statsCommand } from './stats.ts';
export { statusCommand } from './status.ts';
export { upCommand } from './up.ts';
export { userCommand } from './user.ts';
export { watchCommand } from './watch.ts';
