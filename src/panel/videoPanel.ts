import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { webviewMessageSchema, webviewStateSchema } from '../shared/fromWebview';
import {
  type EncodeRequest,
  type FromWebviewMessage,
  type PanelStrings,
  type ToWebviewMessage,
  type WebviewState,
} from '../shared/protocol';
import { Disposable, disposeAll } from '../util/dispose';
import { redact, secrets } from '../util/redaction';
import type { GenerationSummary } from './generationView';
import { VIDEO_PANEL_VIEW_TYPE } from './ids';
import {
  contentMessage,
  isInsideUri,
  isRemote,
  mediaSourcesOf,
  panelDocument,
  titleOf,
  videosOf,
  type GridItemInput,
  type PanelContent,
} from './panelContent';
import { panelStrings } from './strings';

/*
 * Panel policy: there is ONE video panel. Like the Markdown preview, every new generation reuses it: it opens
 * beside the active editor (ViewColumn.Beside) without taking focus from the editor, an existing panel is
 * revealed where it is if it was hidden, and its title says what it shows. Updates are posted as messages;
 * the HTML is rebuilt (with a new nonce) only when the CSP must change — a video from a new origin — or while
 * the panel is hidden (a hidden webview receives no messages and reloads from its HTML when shown again).
 */

export { VIDEO_PANEL_VIEW_TYPE };

export interface VideoPanelHost {
  /** The panel's actions (Save Video…, Copy Seed, …), already validated. Errors are logged, never thrown. */
  handleMessage(message: FromWebviewMessage): void | Promise<void>;
  /** Looks a generation up by id, to restore the panel after a reload or open a grid item. */
  resolveGeneration(id: string): Promise<{ view: GenerationSummary; video: vscode.Uri } | undefined>;
  /** Folders local video copies may be loaded from (besides the extension's own webview and media folders). */
  localVideoRoots(): vscode.Uri[];
  /** Where the panel reports what it ignored or could not do. Defaults to the console. */
  logWarning?(text: string): void;
}

/** What the webview last reported about playing a generation's video. */
export type PlaybackReport =
  | { readonly state: 'playing' }
  | { readonly state: 'error'; readonly code: number | null; readonly message: string };

export interface ShowOptions {
  /** Keep the focus where it is (default true: the user keeps typing in the editor). */
  readonly preserveFocus?: boolean;
}

/** What to encode a shown video as (see the protocol's `encode`). */
export type EncodeOptions = Pick<EncodeRequest, 'format' | 'width' | 'fps' | 'loop'>;

export interface EncodedVideo {
  readonly bytes: Uint8Array;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
}

/** The longest an encode may take in the webview: a 32-frame 1024-pixel GIF takes seconds, a loaded machine more. */
const ENCODE_TIMEOUT_MS = 180_000;

/** The HTML document currently set on the webview. */
interface RenderedDocument {
  /** Identifies the CSP's media sources; a different key needs a new document. */
  readonly mediaKey: string;
  /** The content embedded in the document, which the webview shows whenever it (re)loads. */
  readonly content: ToWebviewMessage;
}

/**
 * Owns the one video panel: creates, reuses, restores and feeds it, and routes its messages to the host.
 * Longer than most classes on purpose: the panel's life — created or restored, hidden, reloaded, the webview's
 * `ready` handshake, the document kept or rebuilt — is one state machine over a few fields; what it shows and how
 * it is rendered is in panelContent.ts.
 */
export class VideoPanelManager extends Disposable implements vscode.WebviewPanelSerializer {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private content: PanelContent | undefined;
  /** The batch the panel showed last, so a generation opened from it can go back to it. */
  private lastGrid: { readonly title: string; readonly items: readonly GridItemInput[] } | undefined;
  private document: RenderedDocument | undefined;
  /** The newest content, which the webview shows once it has it (embedded in the document or posted). */
  private latest: ToWebviewMessage | undefined;
  private webviewReady = false;
  private appliedRootsKey: string | undefined;
  private strings: PanelStrings | undefined;
  private readonly playbackReports = new Map<string, PlaybackReport>();
  private readonly unreachableVideosReported = new Set<string>();
  /** Encodes the webview was asked for, by request id. */
  private readonly encodes = new Map<string, (answer: EncodedVideo | Error) => void>();
  /** What waits for the webview's next `ready` (it cannot receive messages before). */
  private readyWaiters: Array<() => void> = [];
  /** The `animateDiff.videoShown` context key as last set (the palette offers Export and Insert as Markdown then). */
  private videoShownContext = false;

  private readonly onDidCloseEmitter = this._register(new vscode.EventEmitter<void>());
  /** The panel was closed while this manager lives (the user closed it, not the window going away). */
  readonly onDidClose = this.onDidCloseEmitter.event;
  private readonly onDidReceiveMessageEmitter = this._register(new vscode.EventEmitter<FromWebviewMessage>());
  /** Every valid message from the webview, after the panel has acted on it (tests wait for `videoPlaying`). */
  readonly onDidReceiveMessage = this.onDidReceiveMessageEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: VideoPanelHost,
  ) {
    super();
    this._register({ dispose: () => this.panel?.dispose() });
  }

  /** The generation the panel shows on its own, or undefined (no panel, a batch grid, or a notice). */
  get visibleGenerationId(): string | undefined {
    return this.panel && this.content?.kind === 'generation' ? this.content.view.id : undefined;
  }

  /** Brings the panel to the front of its group when it is in a background tab, leaving the focus where it is. */
  revealIfHidden(): void {
    if (this.panel && !this.panel.visible) {
      this.panel.reveal(undefined, true);
    }
  }

  /** Whether the panel is open (visible or in a background tab). */
  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** What a panel restored from it would show again: the generation, or the grid's finished generations. */
  get restorableState(): WebviewState | undefined {
    if (!this.panel || !this.content) {
      return undefined;
    }
    if (this.content.kind === 'generation') {
      return { generationId: this.content.view.id };
    }
    if (this.content.kind === 'grid') {
      return { generationId: null, grid: { title: this.content.title, generationIds: [...this.shownGenerationIds] } };
    }
    return undefined;
  }

  /** The last message made for the webview (what it shows), for tests. */
  get latestMessage(): unknown {
    return this.latest;
  }

  /** Ids of every finished generation the panel shows (one, or a grid's done items). */
  get shownGenerationIds(): readonly string[] {
    if (!this.panel || !this.content) {
      return [];
    }
    if (this.content.kind === 'generation') {
      return [this.content.view.id];
    }
    return this.content.kind === 'grid'
      ? this.content.items.flatMap((item) => (item.state === 'done' ? [item.view.id] : []))
      : [];
  }

  /**
   * Generations were deleted from the history: the panel stops showing them. A generation shown alone gives way to
   * a notice; a grid drops their tiles (and gives way to the notice when none is left).
   */
  generationsDeleted(ids: readonly string[]): void {
    const gone = new Set(ids);
    const isGone = (item: GridItemInput) => item.state === 'done' && gone.has(item.view.id);
    if (this.lastGrid?.items.some(isGone)) {
      this.lastGrid = { title: this.lastGrid.title, items: this.lastGrid.items.filter((item) => !isGone(item)) };
    }
    const content = this.content;
    if (!this.panel || !content) {
      return;
    }
    const deletedNotice: PanelContent = { kind: 'notice', text: vscode.l10n.t('This generation was deleted from the history.') };
    if (content.kind === 'generation' && gone.has(content.view.id)) {
      this.present(deletedNotice, { reveal: false, preserveFocus: true });
    } else if (content.kind === 'grid' && content.items.some(isGone)) {
      const items = content.items.filter((item) => !isGone(item));
      this.present(items.length > 0 ? { kind: 'grid', title: content.title, items } : deletedNotice, { reveal: false, preserveFocus: true });
    }
  }

  /** The video the panel shows for generation `id` (alone or in its grid), if it shows it. */
  shownVideo(id: string): vscode.Uri | undefined {
    const content = this.panel ? this.content : undefined;
    if (content?.kind === 'generation') {
      return content.view.id === id ? content.video : undefined;
    }
    const item = content?.kind === 'grid' ? content.items.find((candidate) => candidate.state === 'done' && candidate.view.id === id) : undefined;
    return item?.state === 'done' ? item.video : undefined;
  }

  /**
   * Has the webview encode the video of generation `id`, which the panel must show: decoding happens there (the
   * `<video>` element), so no native encoder is needed. Rejects when it cannot, the panel closes, or it takes too long.
   */
  encode(id: string, options: EncodeOptions): Promise<EncodedVideo> {
    const panel = this.panel;
    const video = this.shownVideo(id);
    if (!panel || !video) {
      return Promise.reject(new Error(vscode.l10n.t('The video panel does not show this video.')));
    }
    const requestId = randomUUID();
    const src = isRemote(video) ? video.toString(true) : panel.webview.asWebviewUri(video).toString();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(vscode.l10n.t('The video panel did not finish encoding in time.'))), ENCODE_TIMEOUT_MS);
      const settle = (answer: EncodedVideo | Error) => {
        clearTimeout(timer);
        this.encodes.delete(requestId);
        return answer instanceof Error ? reject(answer) : resolve(answer);
      };
      this.encodes.set(requestId, settle);
      const request: EncodeRequest = { type: 'encode', requestId, src, ...options };
      const post = () => void panel.webview.postMessage(request);
      if (this.webviewReady) {
        post();
      } else {
        this.readyWaiters.push(post);
      }
    });
  }

  /** The webview's latest report about a generation's video: playing, or why it failed. */
  playbackOf(generationId: string): PlaybackReport | undefined {
    return this.playbackReports.get(generationId);
  }

  showGeneration(view: GenerationSummary, video: vscode.Uri, options?: ShowOptions): void {
    this.present({ kind: 'generation', view, video, fromGrid: false }, { reveal: true, preserveFocus: options?.preserveFocus ?? true });
  }

  /** Shows a batch as a grid; call again with the same order of items as they finish (videos keep playing). */
  showGrid(title: string, items: readonly GridItemInput[], options?: ShowOptions): void {
    this.lastGrid = { title, items: [...items] };
    this.present({ kind: 'grid', ...this.lastGrid }, { reveal: true, preserveFocus: options?.preserveFocus ?? true });
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (this.isDisposed || this.panel) {
      // One panel: one was already opened in this window before the old one was restored.
      panel.dispose();
      return;
    }
    this.adopt(panel);
    this.applyOptions(panel);
    const parsed = webviewStateSchema.safeParse(state);
    if (!parsed.success && state !== undefined && state !== null) {
      this.warn(`Ignored the restored video panel's invalid state: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    const restored = parsed.success ? await this.restore(parsed.data) : undefined;
    if (this.panel !== panel || this.content) {
      return; // closed, or something newer was shown while looking the generation up
    }
    const wanted = parsed.success && (parsed.data.generationId !== null || (parsed.data.grid?.generationIds.length ?? 0) > 0);
    this.present(
      restored ?? {
        kind: 'notice',
        text: wanted
          ? vscode.l10n.t('The video shown here before is no longer available. Generate it again to see it here.')
          : vscode.l10n.t('Generate a video to see it here.'),
      },
      { reveal: false, preserveFocus: true },
    );
  }

  /**
   * Opens the panel on `state` without taking focus, when no panel is open and what it showed can still be
   * found. Returns whether it opened one.
   */
  async reopen(state: WebviewState): Promise<boolean> {
    if (this.isDisposed || this.panel) {
      return false;
    }
    const restored = await this.restore(state);
    if (!restored || this.isDisposed || this.panel) {
      return false;
    }
    this.present(restored, { reveal: false, preserveFocus: true });
    return true;
  }

  private async restore(state: WebviewState): Promise<PanelContent | undefined> {
    if (state.grid) {
      const resolved = await Promise.all(state.grid.generationIds.map((id) => this.resolve(id)));
      const items = resolved.flatMap((found): GridItemInput[] => (found ? [{ state: 'done', ...found }] : []));
      if (items.length === 0) {
        return undefined;
      }
      this.lastGrid = { title: state.grid.title, items };
      return { kind: 'grid', ...this.lastGrid };
    }
    if (state.generationId !== null) {
      const found = await this.resolve(state.generationId);
      return found ? { kind: 'generation', ...found, fromGrid: false } : undefined;
    }
    return undefined;
  }

  private async resolve(id: string): Promise<{ view: GenerationSummary; video: vscode.Uri } | undefined> {
    try {
      return await this.host.resolveGeneration(id);
    } catch (error) {
      this.warn(`Could not look up generation ${id} for the video panel: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private present(content: PanelContent, placement: { reveal: boolean; preserveFocus: boolean }): void {
    if (this.isDisposed) {
      return;
    }
    this.content = content;
    this.updateVideoShownContext();
    let panel = this.panel;
    if (!panel) {
      panel = vscode.window.createWebviewPanel(
        VIDEO_PANEL_VIEW_TYPE,
        redact(titleOf(content)),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: placement.preserveFocus },
        // No retainContextWhenHidden: the webview keeps its small state with setState and is re-fed on reload.
        { enableScripts: true, enableCommandUris: false, enableFindWidget: false, localResourceRoots: this.resourceRoots() },
      );
      this.adopt(panel);
      this.appliedRootsKey = this.rootsKey(this.resourceRoots());
    } else if (placement.reveal && !panel.visible) {
      panel.reveal(undefined, placement.preserveFocus);
    }
    panel.title = redact(titleOf(content));
    this.sync(panel, content);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.document = undefined;
    this.latest = undefined;
    this.webviewReady = false;
    this.appliedRootsKey = undefined;
    panel.iconPath = {
      light: vscode.Uri.joinPath(this.extensionUri, 'media', 'panel-icon-light.svg'),
      dark: vscode.Uri.joinPath(this.extensionUri, 'media', 'panel-icon-dark.svg'),
    };
    this.panelSubscriptions = [
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(panel, message)),
      panel.onDidChangeViewState(() => this.onViewStateChanged(panel)),
      panel.onDidDispose(() => this.forget(panel)),
    ];
  }

  private forget(panel: vscode.WebviewPanel): void {
    if (this.panel !== panel) {
      return;
    }
    disposeAll(this.panelSubscriptions.splice(0));
    this.readyWaiters = [];
    for (const settle of [...this.encodes.values()]) {
      settle(new Error(vscode.l10n.t('The video panel was closed.')));
    }
    this.panel = undefined;
    this.content = undefined;
    this.updateVideoShownContext();
    this.lastGrid = undefined;
    this.document = undefined;
    this.latest = undefined;
    this.webviewReady = false;
    if (!this.isDisposed) {
      this.onDidCloseEmitter.fire();
    }
  }

  private onViewStateChanged(panel: vscode.WebviewPanel): void {
    // A hidden webview is torn down and reloads from its HTML when shown again: make that HTML current.
    if (panel === this.panel && !panel.visible && this.content && this.document && this.latest !== this.document.content) {
      this.sync(panel, this.content);
    }
  }

  private resourceRoots(): vscode.Uri[] {
    return [
      vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(this.extensionUri, 'media'),
      ...this.host.localVideoRoots(),
    ];
  }

  private rootsKey(roots: readonly vscode.Uri[]): string {
    return roots.map((root) => root.toString()).join('\n');
  }

  /** Sets the webview options; returns whether the resource roots changed. */
  private applyOptions(panel: vscode.WebviewPanel): boolean {
    const roots = this.resourceRoots();
    const key = this.rootsKey(roots);
    if (key === this.appliedRootsKey) {
      return false;
    }
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: roots };
    this.appliedRootsKey = key;
    return true;
  }

  /** Brings the webview to `content`: a message when possible, a new document when the CSP must change. */
  private sync(panel: vscode.WebviewPanel, content: PanelContent): void {
    const rootsChanged = this.applyOptions(panel);
    this.warnAboutUnreachableVideos(content);
    // What the webview shows can quote an error (a failed tile's reason): secrets never reach it.
    const message = secrets.redactDeep(contentMessage(panel.webview, content, this.lastGrid !== undefined));
    const media = mediaSourcesOf(content);
    this.latest = message;
    if (!this.document || this.document.mediaKey !== media.key || rootsChanged || !panel.visible) {
      try {
        this.strings ??= panelStrings();
        panel.webview.html = panelDocument(panel.webview, this.extensionUri, panel.title, message, media, this.strings);
        this.document = { mediaKey: media.key, content: message };
        this.webviewReady = false;
      } catch (error) {
        // Only a malformed cspSource or origin gets here; showing nothing beats showing it with a weaker CSP.
        this.warn(`Could not build the video panel: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (this.webviewReady) {
      void panel.webview.postMessage(message);
    }
    // Otherwise the webview is still loading: 'ready' delivers the newest content.
  }

  private async receive(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    if (panel !== this.panel) {
      return;
    }
    const parsed = webviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`);
      this.warn(`Ignored an invalid message from the video panel (${issues.join('; ')}).`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'backToGrid':
        if (this.lastGrid) {
          this.present({ kind: 'grid', ...this.lastGrid }, { reveal: false, preserveFocus: true });
        }
        return;
      case 'openGeneration':
        if (await this.openGeneration(message.id)) {
          this.onDidReceiveMessageEmitter.fire(message);
          return;
        }
        break; // not found: the host tells the user
      case 'ready':
        this.webviewReady = true;
        if (this.latest && this.document && this.latest !== this.document.content) {
          void panel.webview.postMessage(this.latest);
        }
        for (const post of this.readyWaiters.splice(0)) {
          post();
        }
        break;
      case 'encoded':
        this.encodes.get(message.requestId)?.({
          bytes: new Uint8Array(Buffer.from(message.data, 'base64')),
          frames: message.frames,
          width: message.width,
          height: message.height,
        });
        return;
      case 'encodeFailed':
        this.encodes.get(message.requestId)?.(new Error(message.message));
        return;
      case 'videoPlaying':
        this.playbackReports.set(message.id, { state: 'playing' });
        break;
      case 'videoError':
        this.playbackReports.set(message.id, { state: 'error', code: message.code, message: message.message });
        break;
      default:
        break;
    }
    this.onDidReceiveMessageEmitter.fire(message);
    try {
      await this.host.handleMessage(message);
    } catch (error) {
      this.warn(`The video panel's "${message.type}" action failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Shows one generation of the batch on its own; false when it is not known any more. */
  private async openGeneration(id: string): Promise<boolean> {
    const inGrid = this.lastGrid?.items.find((item) => item.state === 'done' && item.view.id === id);
    const found = inGrid?.state === 'done' ? inGrid : await this.resolve(id);
    if (!found || !this.panel) {
      return false;
    }
    this.present({ kind: 'generation', view: found.view, video: found.video, fromGrid: this.lastGrid !== undefined }, { reveal: false, preserveFocus: true });
    return true;
  }

  private warnAboutUnreachableVideos(content: PanelContent): void {
    const roots = this.host.localVideoRoots();
    for (const video of videosOf(content)) {
      if (!isRemote(video) && !roots.some((root) => isInsideUri(video, root)) && !this.unreachableVideosReported.has(video.toString())) {
        this.unreachableVideosReported.add(video.toString());
        this.warn(`The video panel cannot load ${video.toString()}: it is outside the folders the panel may read (localVideoRoots).`);
      }
    }
  }

  private updateVideoShownContext(): void {
    const shown = this.visibleGenerationId !== undefined;
    if (shown !== this.videoShownContext) {
      this.videoShownContext = shown;
      void vscode.commands.executeCommand('setContext', 'animateDiff.videoShown', shown);
    }
  }

  private warn(text: string): void {
    if (this.host.logWarning) {
      this.host.logWarning(text);
    } else {
      console.warn(`[AnimateDiff video panel] ${text}`);
    }
  }
}
