import * as vscode from 'vscode';
import { readSettings } from '../config/reader';
import { readConnectionSettings, type SettingProblem } from '../config/settings';
import { isWellFormedKey, type ApiKeyStore } from '../fal/apiKey';
import type { FalConnection } from '../fal/falClient';
import type { Interaction } from '../ui/interaction';

export interface SessionPurpose {
  /** How many videos will be generated (for the Restricted Mode question). */
  videos: number;
  /** Local files that will be uploaded (workspace-relative), if any. */
  uploads?: string[];
  /** Shown as the detail of the Restricted Mode question. */
  label: string;
}

/** What talking to fal takes: where, with which key, and how long a job may take. */
export interface FalSession {
  readonly connection: FalConnection;
  readonly defaultEndpoint: string;
  readonly timeoutMs: number;
}

export interface FalSessionsOptions {
  keys: ApiKeyStore;
  log: vscode.LogOutputChannel;
  interaction: Interaction;
  env?: NodeJS.ProcessEnv;
  /** Workspace trust; the integration suite overrides it to exercise Restricted Mode. */
  isTrusted?: () => boolean;
}

export const SETTINGS_QUERY = '@ext:animatediff-vscode.animatediff-turbo';

/**
 * Opens sessions with fal: valid settings, the key (asked for when missing, unless a team proxy adds it) and, in
 * Restricted Mode, the user's consent to spend credits and upload files.
 */
export class FalSessions {
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: FalSessionsOptions) {
    this.env = options.env ?? process.env;
  }

  /** Origin of the local fal imitation, when the product runs in its sandbox. */
  get sandboxUrl(): string | undefined {
    const value = this.env.ANIMATEDIFF_FAL_SANDBOX_URL?.trim();
    return value ? value : undefined;
  }

  /** Asks for the key with a password box; stores it in SecretStorage. Returns the key, or undefined if dismissed. */
  async promptForKey(reason?: string): Promise<string | undefined> {
    const sandboxHint = this.sandboxUrl ? ' (sandbox: every key of the form key_id:key_secret works)' : '';
    const value = await this.options.interaction.input({
      title: 'fal API Key',
      prompt: `${reason ? `${reason} ` : ''}Paste your fal API key (key_id:key_secret, from fal.ai/dashboard/keys)${sandboxHint}. It is kept in VS Code's secret storage.`,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'key_id:key_secret',
      validateInput: (text) => (isWellFormedKey(text) ? undefined : 'A fal key looks like key_id:key_secret (two parts separated by a colon).'),
    });
    if (value === undefined || !isWellFormedKey(value)) {
      return undefined;
    }
    await this.options.keys.store(value);
    this.options.log.info('fal API key stored in secret storage.');
    return value.trim();
  }

  /**
   * Everything a run needs before it may talk to fal. Batches open one session for all their jobs, so the user is
   * asked once.
   */
  async open(purpose: SessionPurpose): Promise<FalSession | undefined> {
    const settings = readConnectionSettings(readSettings());
    if (!settings.ok) {
      await this.reportSettingProblems(settings.problems);
      return undefined;
    }
    const { proxyUrl, timeoutMs } = settings.value;

    let credentials: string | undefined;
    if (!proxyUrl) {
      credentials = (await this.options.keys.resolve())?.key;
      if (!credentials) {
        credentials = await this.promptForKey('No fal API key is set yet.');
        if (!credentials) {
          void this.options.interaction.info('Generation not started: a fal API key is needed. Run "AnimateDiff: Set fal API Key" when you have one.');
          return undefined;
        }
      }
    }

    if (!(this.options.isTrusted?.() ?? vscode.workspace.isTrusted)) {
      const count = purpose.videos === 1 ? 'a video' : `${purpose.videos} videos`;
      const uploads = purpose.uploads && purpose.uploads.length > 0 ? ` and uploads ${purpose.uploads.join(', ')} to fal storage` : '';
      const proceed = await this.options.interaction.warning(
        `This workspace is in Restricted Mode. Generating ${count} spends fal credits${uploads}. Continue?`,
        { modal: true, detail: purpose.label },
        'Generate',
      );
      if (proceed !== 'Generate') {
        return undefined;
      }
    }

    return { connection: { credentials, proxyUrl, sandboxUrl: this.sandboxUrl }, defaultEndpoint: settings.value.endpoint, timeoutMs };
  }

  /**
   * A session to follow a job fal accepted before (no new credits, so Restricted Mode does not ask again).
   * `askForKey`: prompt for a missing key (at start), or stay quiet (a retry); why not is returned as a reason.
   */
  async forResume(askForKey: boolean): Promise<FalSession | { notStarted: 'invalid settings' | 'no key' }> {
    const settings = readConnectionSettings(readSettings());
    if (!settings.ok) {
      if (askForKey) {
        await this.reportSettingProblems(settings.problems);
      }
      return { notStarted: 'invalid settings' };
    }
    const { proxyUrl, timeoutMs, endpoint } = settings.value;
    const stored = proxyUrl ? undefined : (await this.options.keys.resolve())?.key;
    const credentials = stored ?? (proxyUrl || !askForKey ? undefined : await this.promptForKey('A generation from before the reload is still running on fal.'));
    if (!proxyUrl && !credentials) {
      return { notStarted: 'no key' };
    }
    return { connection: { credentials, proxyUrl, sandboxUrl: this.sandboxUrl }, defaultEndpoint: endpoint, timeoutMs };
  }

  async reportSettingProblems(problems: SettingProblem[]): Promise<void> {
    const choice = await this.options.interaction.error(problems.map((p) => p.message).join(' '), 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.setting ?? SETTINGS_QUERY);
    }
  }
}
