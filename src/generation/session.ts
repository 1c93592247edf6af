import * as vscode from 'vscode';
import { readSettings } from '../config/reader';
import { readBatchConfirmAbove, readConnectionSettings, type SettingProblem } from '../config/settings';
import { isWellFormedKey, keyShapeHint, type ApiKeyStore } from '../fal/apiKey';
import type { FalConnection } from '../fal/falClient';
import { chargeSentence, type Charge, type PricedRequest } from '../model/price';
import type { Interaction } from '../ui/interaction';
import { secrets } from '../util/redaction';
import { FalPrices } from './prices';

export interface SessionPurpose {
  /** How many videos will be generated (for the Restricted Mode question). */
  videos: number;
  /** Local files that will be uploaded (workspace-relative), if any. */
  uploads?: string[];
  /** Shown as the detail of the Restricted Mode question. */
  label: string;
  /** The endpoint the run sends to, when it is not the setting's. */
  endpoint?: string;
  /**
   * What will be sent (a request without an endpoint goes to the setting's): priced for the questions before
   * spending. Without it a question shows no price.
   */
  requests?: ReadonlyArray<{ endpoint?: string; input: PricedRequest['input'] }>;
  /** Ask before spending even for one video in a trusted workspace (a chat request: one confirmation, with its price). */
  confirm?: boolean;
}

/** What talking to fal takes: where, with which key, and how long a job may take. */
export interface FalSession {
  readonly connection: FalConnection;
  readonly defaultEndpoint: string;
  readonly timeoutMs: number;
  /** The charge a question before spending showed, when one was asked. */
  readonly expectedCharge?: Charge;
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
  /** fal's prices, read with this window's key or proxy (see {@link quietConnection}). */
  readonly prices: FalPrices;

  constructor(private readonly options: FalSessionsOptions) {
    this.env = options.env ?? process.env;
    this.prices = new FalPrices({ connection: () => this.quietConnection(), log: options.log });
  }

  /**
   * The connection as it is now, without asking anything: the stored key (or FAL_KEY), or the team proxy. Undefined
   * when there is neither or the settings are invalid. For reads that spend nothing (prices).
   */
  async quietConnection(): Promise<FalConnection | undefined> {
    const settings = readConnectionSettings(readSettings());
    if (!settings.ok) {
      return undefined;
    }
    const { proxyUrl } = settings.value;
    const credentials = proxyUrl ? undefined : (await this.options.keys.resolve())?.key;
    if (!proxyUrl && !credentials) {
      return undefined;
    }
    secrets.add(credentials);
    return { credentials, proxyUrl, sandboxUrl: this.sandboxUrl };
  }

  /** Origin of the local fal imitation, when the product runs in its sandbox. */
  get sandboxUrl(): string | undefined {
    const value = this.env.ANIMATEDIFF_FAL_SANDBOX_URL?.trim();
    return value ? value : undefined;
  }

  /** Asks for the key with a password box; stores it in SecretStorage. Returns the key, or undefined if dismissed. */
  async promptForKey(reason?: string): Promise<string | undefined> {
    const ask = this.sandboxUrl
      ? vscode.l10n.t('Paste your fal API key (key_id:key_secret, from fal.ai/dashboard/keys) (sandbox: any key_id:key_secret works; the key id "rejected" shows how a refused key looks). It is kept in VS Code\'s secret storage.')
      : vscode.l10n.t('Paste your fal API key (key_id:key_secret, from fal.ai/dashboard/keys). It is kept in VS Code\'s secret storage.');
    const value = await this.options.interaction.input({
      title: vscode.l10n.t('fal API Key'),
      prompt: reason ? `${reason} ${ask}` : ask,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'key_id:key_secret',
      validateInput: (text) => (isWellFormedKey(text) ? undefined : keyShapeHint()),
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
          ? vscode.l10n.t('The FAL_KEY environment variable is set, but it is not a fal key (key_id:key_secret, no spaces or control characters), so it is ignored.')
          : vscode.l10n.t('No fal API key is set yet.'));
        if (!credentials) {
          const setKey = vscode.l10n.t('Set API Key');
          void this.options.interaction.info(vscode.l10n.t('Generation not started: a fal API key is needed. Set one when you have it (from fal.ai/dashboard/keys).'), setKey)
            .then((choice) => (choice === setKey ? vscode.commands.executeCommand('animateDiff.setApiKey') : undefined));
          return undefined;
        }
      }
    }

    const destination = this.destination(proxyUrl, purpose.endpoint ?? settings.value.endpoint);
    const trusted = this.options.isTrusted?.() ?? vscode.workspace.isTrusted;
    // The spend guard: a large batch (a file with many variations, many files) is never started by one click.
    const guarded = trusted && purpose.videos > 1 && purpose.videos > readBatchConfirmAbove(readSettings());
    const asks = !trusted || guarded || purpose.confirm === true;
    // Every question before spending says what it is expected to cost (what fal's pricing API says, or that it did not).
    const expectedCharge = asks && purpose.requests
      ? await this.prices.charge(
        purpose.requests.map((request) => ({ endpoint: request.endpoint ?? settings.value.endpoint, input: request.input })),
        { credentials, proxyUrl, sandboxUrl: this.sandboxUrl },
      )
      : undefined;
    const price = expectedCharge ? `${chargeSentence(expectedCharge)}\n` : '';
    if (!trusted) {
      const uploads = purpose.uploads && purpose.uploads.length > 0 ? purpose.uploads.join(', ') : undefined;
      const generate = vscode.l10n.t('Generate');
      const question = purpose.videos === 1
        ? uploads === undefined
          ? vscode.l10n.t('This workspace is in Restricted Mode. Generating a video spends fal credits. Continue?')
          : vscode.l10n.t('This workspace is in Restricted Mode. Generating a video spends fal credits and uploads {0} to fal storage. Continue?', uploads)
        : uploads === undefined
          ? vscode.l10n.t('This workspace is in Restricted Mode. Generating {0} videos spends fal credits. Continue?', purpose.videos)
          : vscode.l10n.t('This workspace is in Restricted Mode. Generating {0} videos spends fal credits and uploads {1} to fal storage. Continue?', purpose.videos, uploads);
      const proceed = await this.options.interaction.warning(
        question,
        { modal: true, detail: `${price}${purpose.label}\n${destination}` },
        generate,
      );
      if (proceed !== generate) {
        return undefined;
      }
    } else if (guarded) {
      const go = vscode.l10n.t('Generate {0} Videos', purpose.videos);
      const proceed = await this.options.interaction.warning(
        vscode.l10n.t('Generate {0} videos? Each one is a paid fal job.', purpose.videos),
        { modal: true, detail: `${price}${purpose.label}\n${destination}\n${vscode.l10n.t('(animateDiff.batch.confirmAbove sets when this is asked.)')}` },
        go,
      );
      if (proceed !== go) {
        return undefined;
      }
    } else if (purpose.confirm) {
      const go = purpose.videos === 1 ? vscode.l10n.t('Generate') : vscode.l10n.t('Generate {0} Videos', purpose.videos);
      const proceed = await this.options.interaction.warning(
        purpose.videos === 1 ? vscode.l10n.t('Generate a video? It is a paid fal job.') : vscode.l10n.t('Generate {0} videos? Each one is a paid fal job.', purpose.videos),
        { modal: true, detail: `${price}${purpose.label}\n${destination}` },
        go,
      );
      if (proceed !== go) {
        return undefined;
      }
    }

    return { ...this.session(credentials, proxyUrl, settings.value.endpoint, timeoutMs), ...(expectedCharge ? { expectedCharge } : {}) };
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
    const credentials = stored ?? (proxyUrl || !askForKey ? undefined : await this.promptForKey(vscode.l10n.t('A generation from before the reload is still running on fal.')));
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
      return vscode.l10n.t('Sent to the local fal imitation at {0} (sandbox), endpoint {1}.', this.sandboxUrl, endpoint);
    }
    if (proxyUrl) {
      const { origin } = new URL(proxyUrl);
      return vscode.l10n.t('Sent through the team proxy {0} (animateDiff.proxyUrl), which forwards to fal: endpoint {1}.', origin, endpoint);
    }
    return vscode.l10n.t('Sent to fal.ai (queue.fal.run; uploads to fal storage), endpoint {0}.', endpoint);
  }

  async reportSettingProblems(problems: SettingProblem[]): Promise<void> {
    const openSettings = vscode.l10n.t('Open Settings');
    const choice = await this.options.interaction.error(problems.map((p) => p.message).join(' '), openSettings);
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.setting ?? SETTINGS_QUERY);
    }
  }
}
