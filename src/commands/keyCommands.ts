import type * as vscode from 'vscode';
import type { ApiKeyStore } from '../fal/apiKey';
import type { FalSessions } from '../generation/session';
import type { Interaction } from '../ui/interaction';
import type { Command } from '../util/commandManager';
import { l10n } from '../l10n/l10n';

export class SetApiKeyCommand implements Command {
  readonly id = 'animateDiff.setApiKey';

  constructor(private readonly sessions: FalSessions, private readonly interaction: Interaction) {}

  async execute(): Promise<boolean> {
    const key = await this.sessions.promptForKey();
    if (key) {
      void this.interaction.info(l10n.t('fal API key saved in VS Code\'s secret storage.'));
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
    const envSet = Boolean(this.env.FAL_KEY);
    void this.interaction.info(had
      ? envSet ? l10n.t('fal API key removed from secret storage. The FAL_KEY environment variable is still set and will be used.') : l10n.t('fal API key removed from secret storage.')
      : envSet ? l10n.t('No fal API key was stored. The FAL_KEY environment variable is still set and will be used.') : l10n.t('No fal API key was stored.'));
  }
}

export class ShowLogCommand implements Command {
  readonly id = 'animateDiff.showLog';

  constructor(private readonly log: vscode.LogOutputChannel) {}

  execute(): void {
    this.log.show(true);
  }
}
