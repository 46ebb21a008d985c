import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

/**
 * A yargs `CommandModule` whose handler's argv type is inferred from its builder, so a command file
 * declares each option once and never writes its argument type by hand.
 */
export function defineCommand<U>(
  command: string,
  describe: string,
  builder: (y: Argv) => Argv<U>,
  handler: (argv: ArgumentsCamelCase<U>) => void | Promise<void>,
): CommandModule<object, U> {
  return { command, describe, builder, handler };
}
