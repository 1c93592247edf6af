import * as vscode from 'vscode';
import { readSettings } from '../config/reader';
import { readBatchConfirmAbove, readConnectionSettings, type SettingProblem } from '../config/settings';
import { isWellFormedKey, KEY_SHAPE_HINT, type ApiKeyStore } from '../fal/apiKey';
import type { FalConnection } from '../fal/falClient';
import type { Interaction } from '../ui/interaction';
import { secrets } from '../util/redaction';

export interface SessionPurpose {
  /** How many videos will be generated (for the Restricted Mode question). */
  videos: number;
  /** Local files that will be uploaded (workspace-relative), if any. */
  uploads?: string[];
  /** Shown as the detail of the Restricted Mode question. */
  label: string;
  /** The endpoint the run sends to, when it is not the setting's. */
  endpoint?: string;
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
    const sandboxHint = this.sandboxUrl ? ' (sandbox: any key_id:key_secret works; the key id "rejected" shows how a refused key looks)' : '';
    const value = await this.options.interaction.input({
      title: 'fal API Key',
      prompt: `${reason ? `${reason} ` : ''}Paste your fal API key (key_id:key_secret, from fal.ai/dashboard/keys)${sandboxHint}. It is kept in VS Code's secret storage.`,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'key_id:key_secret',
      validateInput: (text) => (isWellFormedKey(text) ? undefined : KEY_SHAPE_HINT),
    });
    if (value === undefined || !isWellFormedKey(value)) {
      return undefined;
    }
    secrets.add(value);
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
        credentials = await this.promptForKey(this.options.keys.environmentKeyIsMalformed
          ? 'The FAL_KEY environment variable is set, but it is not a fal key (key_id:key_secret, no spaces or control characters), so it is ignored.'
          : 'No fal API key is set yet.');
        if (!credentials) {
          void this.options.interaction.info('Generation not started: a fal API key is needed. Set one when you have it (from fal.ai/dashboard/keys).', 'Set API Key')
            .then((choice) => (choice === 'Set API Key' ? vscode.commands.executeCommand('animateDiff.setApiKey') : undefined));
          return undefined;
        }
      }
    }

    const destination = this.destination(proxyUrl, purpose.endpoint ?? settings.value.endpoint);
    if (this.options.isTrusted?.() ?? vscode.workspace.isTrusted) {
      // The spend guard: a large batch (a file with many variations, many files) is never started by one click.
      if (purpose.videos > 1 && purpose.videos > readBatchConfirmAbove(readSettings())) {
        const go = `Generate ${purpose.videos} Videos`;
        const proceed = await this.options.interaction.warning(
          `Generate ${purpose.videos} videos? Each one is a paid fal job.`,
          { modal: true, detail: `${purpose.label}\n${destination}\n(animateDiff.batch.confirmAbove sets when this is asked.)` },
          go,
        );
        if (proceed !== go) {
          return undefined;
        }
      }
    } else {
      const count = purpose.videos === 1 ? 'a video' : `${purpose.videos} videos`;
      const uploads = purpose.uploads && purpose.uploads.length > 0 ? ` and uploads ${purpose.uploads.join(', ')} to fal storage` : '';
      const proceed = await this.options.interaction.warning(
        `This workspace is in Restricted Mode. Generating ${count} spends fal credits${uploads}. Continue?`,
        { modal: true, detail: `${purpose.label}\n${destination}` },
        'Generate',
      );
      if (proceed !== 'Generate') {
        return undefined;
      }
    }

    return this.session(credentials, proxyUrl, settings.value.endpoint, timeoutMs);
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
    return this.session(credentials, proxyUrl, endpoint, timeoutMs);
  }

  /** A session; its key and the proxy's credentials are registered as secrets first, whatever happens next. */
  private session(credentials: string | undefined, proxyUrl: string | undefined, defaultEndpoint: string, timeoutMs: number): FalSession {
    secrets.add(credentials);
    if (proxyUrl) {
      const { username, password } = new URL(proxyUrl);
      if (username || password) {
        secrets.add(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`);
        secrets.add(password);
      }
    }
    return { connection: { credentials, proxyUrl, sandboxUrl: this.sandboxUrl }, defaultEndpoint, timeoutMs };
  }

  /** Where a run's requests (and uploads) really go, for the consent question: fal, the team proxy, or the sandbox. */
  private destination(proxyUrl: string | undefined, endpoint: string): string {
    if (this.sandboxUrl) {
      return `Sent to the local fal imitation at ${this.sandboxUrl} (sandbox), endpoint ${endpoint}.`;
    }
    if (proxyUrl) {
      const { origin } = new URL(proxyUrl);
      return `Sent through the team proxy ${origin} (animateDiff.proxyUrl), which forwards to fal: endpoint ${endpoint}.`;
    }
    return `Sent to fal.ai (queue.fal.run; uploads to fal storage), endpoint ${endpoint}.`;
  }

  async reportSettingProblems(problems: SettingProblem[]): Promise<void> {
    const choice = await this.options.interaction.error(problems.map((p) => p.message).join(' '), 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.setting ?? SETTINGS_QUERY);
    }
  }
}
