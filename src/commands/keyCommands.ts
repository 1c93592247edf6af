import type * as vscode from 'vscode';
import type { ApiKeyStore } from '../fal/apiKey';
import type { FalSessions } from '../generation/session';
import type { Interaction } from '../ui/interaction';
import type { Command } from '../util/commandManager';

export class SetApiKeyCommand implements Command {
  readonly id = 'animateDiff.setApiKey';

  constructor(private readonly sessions: FalSessions, private readonly interaction: Interaction) {}

  async execute(): Promise<boolean> {
    const key = await this.sessions.promptForKey();
    if (key) {
      void this.interaction.info('fal API key saved in VS Code\'s secret storage.');
    }
    return Boolean(key);
  }
}

export class ClearApiKeyCommand implements Command {
  readonly id = 'animateDiff.clearApiKey';

  constructor(private readonly keys: ApiKeyStore, private readonly interaction: Interaction, private readonly env: NodeJS.ProcessEnv = process.env) {}

  async execute(): Promise<void> {
    const had = await this.keys.hasStoredKey();
    await this.keys.clear();
    const envNote = this.env.FAL_KEY ? ' The FAL_KEY environment variable is still set and will be used.' : '';
    void this.interaction.info(had ? `fal API key removed from secret storage.${envNote}` : `No fal API key was stored.${envNote}`);
  }
}

export class ShowLogCommand implements Command {
  readonly id = 'animateDiff.showLog';

  constructor(private readonly log: vscode.LogOutputChannel) {}

  execute(): void {
    this.log.show(true);
  }
}
