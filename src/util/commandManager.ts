import { Disposable } from './dispose';

export interface Command {
  readonly id: string;
  execute(...args: unknown[]): unknown;
}

/**
 * Holds every command once. The light activation shim (src/extension.ts) registers the VS Code commands and
 * forwards them here, so the core (with zod and the fal client) loads only when a command is first used.
 */
export class CommandManager extends Disposable {
  private readonly commands = new Map<string, Command>();

  register<T extends Command>(command: T): T {
    if (this.commands.has(command.id)) {
      throw new Error(`Command ${command.id} registered twice`);
    }
    this.commands.set(command.id, command);
    return command;
  }

  has(id: string): boolean {
    return this.commands.has(id);
  }

  get ids(): string[] {
    return [...this.commands.keys()];
  }

  execute(id: string, ...args: unknown[]): unknown {
    const command = this.commands.get(id);
    if (!command) {
      throw new Error(`Unknown command ${id}`);
    }
    return command.execute(...args);
  }
}
