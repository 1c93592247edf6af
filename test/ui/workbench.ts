// Drives VS Code (code-server's workbench in Debian's Chromium) the way a person does, for the UI tests.
// test/harness/run-ui.js starts everything and runs the *.test.js files of this folder with mocha (BDD,
// spec reporter, 60 s per test); a test opens its own workbench:
//
//   let ui: Workbench;
//   before(async () => { ui = await openWorkbench(); });
//   after(() => ui.close());
//   it('shows the log', async () => { await ui.runCommand('AnimateDiff: Show Log'); ... });
//
// Every openWorkbench() is a fresh browser context on a fresh copy of test/fixtures/sample-workspace, so
// VS Code's browser-side state (open editors, SecretStorage, dismissed notifications) and what it keeps
// per folder start empty. openWorkbench({ restricted: true }) opens it in a second code-server, which has
// workspace trust on: the folder is in Restricted Mode. The code-servers, the installed extension (and
// its global storage: the history) and the fal imitation are shared by the whole run: reset the
// imitation (`ui.imitation.reset()`) where a test depends on its state. On a failing test, hooks.ts
// saves a screenshot of every open workbench.
//
// Helpers (all wait on conditions; none sleeps):
//   page                        Playwright page, for anything not covered here
//   runCommand(title)           F1, `>Title`, picks that exact entry; retries while the palette does not
//                               list the extension's commands yet (right after load)
//   answerInputBox(value)       types into an open input box (prompt, password) and presses Enter
//   openFile(relativePath)      Quick Open (Ctrl+P); resolves when its editor is the active one
//   selectText(text)            selects the first occurrence (one line) in the active editor via Find
//   rightClickEditor()          right-clicks the selection (or the cursor) in the active editor
//   rightClickExplorerItem(n)   right-clicks a file or folder in the Explorer
//   clickMenuItem(label)        clicks an entry of the open context menu
//   webviewFrame()              the content frame of the last (newest) webview
//   notification(text)          locator of the notification toast whose text matches
//   selectedOutputChannel()     name of the channel the Output panel shows
//   screenshot(name)            PNG under test-output/screenshots/, returns its path
//   openChat(width?)            the Chat view, its input focused once a language model is picked (the UI tests'
//                               scripted model: open the workbench with chat on, see openWorkbench's chat option)
//   focusChatInput()            clicks into the chat input
//   sendChatMessage(text)       replaces what the chat input holds with `text` and presses Enter
//   imitation / imitationUrl    the fal imitation's control client and origin
//   workspaceDir                this workbench's workspace folder on disk
//   userDataDir                 the (normal) code-server's user data: extension logs and storage
// and waitUntilPlaying(videoLocator): a <video> has decoded frames and its time moves.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { FalImitationControl } from '../fal-imitation/control';

export interface UiEnvironment {
  /** Origin of the code-server under test. */
  workbenchUrl: string;
  /** Its user data folder (logs, storage). */
  userDataDir: string;
  /** Origin of the second code-server, which has workspace trust on: its folders open in Restricted Mode. */
  restrictedWorkbenchUrl: string;
  /** Origin of the third code-server, in the pseudo-locale qps-ploc; empty when none was started. */
  pseudoWorkbenchUrl: string;
  /** The extension as that code-server installed it, with its pseudo bundles. */
  pseudoExtensionDir: string;
  /** The folder every workbench gets a fresh copy of (test/fixtures/sample-workspace). */
  sampleWorkspace: string;
  /** Where those copies go. */
  workspacesDir: string;
  /** Origin of the fal imitation the extension uses as its sandbox. */
  imitationUrl: string;
  /** Playwright endpoint of the Chromium the runner launched. */
  browserEndpoint: string;
  screenshotsDir: string;
}

const DEFAULT_WAIT_MS = 20_000;
/** A ceiling for a workbench's (re)load: a code-server that has just started, on a loaded 2-core machine, is slow. */
const WORKBENCH_LOAD_MS = 120_000;
/** Right after load the palette may not list extension commands yet; how long to keep trying. */
const COMMAND_AVAILABLE_WAIT_MS = 30_000;
const QUICK_INPUT = '.quick-input-widget';

export function uiEnvironment(): UiEnvironment {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(`${name} is not set: run the UI tests with \`node test/harness/run-ui.js\``);
    }
    return value;
  };
  return {
    workbenchUrl: read('ANIMATEDIFF_UI_WORKBENCH_URL'),
    userDataDir: read('ANIMATEDIFF_UI_USER_DATA'),
    restrictedWorkbenchUrl: read('ANIMATEDIFF_UI_RESTRICTED_WORKBENCH_URL'),
    // Only run-ui.js starts the pseudo-locale code-server (the VS Code bench does not).
    pseudoWorkbenchUrl: process.env.ANIMATEDIFF_UI_PSEUDO_WORKBENCH_URL ?? '',
    pseudoExtensionDir: process.env.ANIMATEDIFF_UI_PSEUDO_EXTENSION ?? '',
    sampleWorkspace: read('ANIMATEDIFF_UI_SAMPLE_WORKSPACE'),
    workspacesDir: read('ANIMATEDIFF_UI_WORKSPACES'),
    imitationUrl: read('ANIMATEDIFF_FAL_SANDBOX_URL'),
    browserEndpoint: read('ANIMATEDIFF_UI_BROWSER_ENDPOINT'),
    screenshotsDir: read('ANIMATEDIFF_UI_SCREENSHOTS'),
  };
}

/**
 * A new copy of the sample workspace. Its name stays "workspace"; its own path keeps what VS Code remembers per
 * folder (open editors, the video panel) from leaking from one test file into the next.
 */
function freshWorkspace(environment: UiEnvironment, settings: Record<string, unknown> | undefined): string {
  const folder = path.join(fs.mkdtempSync(path.join(environment.workspacesDir, 'ws-')), 'workspace');
  fs.cpSync(environment.sampleWorkspace, folder, { recursive: true });
  if (settings) {
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  }
  return folder;
}

/** The name of the scripted model's only model (test/fixtures/chat-model/extension.ts). */
export const SCRIPTED_MODEL = 'Scripted Model';

/**
 * The workspace settings of a window with chat: the profile's settings turn AI features off (a quiet workbench for
 * the other tests); a workspace may turn them on (the setting is window-scoped). The UI tests' scripted language model
 * (test/fixtures/chat-model) is installed beside the extension: without a model code-server offline refuses chat
 * requests. The explorer does not list the settings folder, so pictures of the workspace stay as they are.
 */
const CHAT_WORKSPACE_SETTINGS = { 'chat.disableAIFeatures': false, 'files.exclude': { '.vscode': true } };

let browserConnection: Promise<Browser> | undefined;
const openWorkbenches = new Set<Workbench>();

/** Workbenches not closed yet (hooks.ts screenshots them when a test fails and closes them at the end). */
export function currentWorkbenches(): Workbench[] {
  return [...openWorkbenches];
}

/**
 * Opens the workbench on a fresh copy of the sample workspace in a fresh browser context and waits until it is
 * usable. `restricted`: in the other code-server, where the folder is not trusted (Restricted Mode). `loadTimeoutMs`:
 * how long the first load may take (a code-server that has just started, on a loaded machine, can need more).
 * `viewport` (default 1280×800) and `deviceScaleFactor` (default 1): the window's size in CSS pixels and the screen's
 * density. `chat`: AI features on in this workspace (the Chat view, `@animatediff`, the tools; see openChat).
 */
export async function openWorkbench(options: {
  restricted?: boolean;
  /** In the third code-server, whose display language is the pseudo-locale qps-ploc. */
  pseudoLocale?: boolean;
  loadTimeoutMs?: number;
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  chat?: boolean;
} = {}): Promise<Workbench> {
  const environment = uiEnvironment();
  const workbenchUrl = options.restricted
    ? environment.restrictedWorkbenchUrl
    : options.pseudoLocale ? environment.pseudoWorkbenchUrl : environment.workbenchUrl;
  if (!workbenchUrl) {
    throw new Error('no pseudo-locale code-server: run the UI tests with `node test/harness/run-ui.js`');
  }
  const workspaceDir = freshWorkspace(environment, options.chat ? CHAT_WORKSPACE_SETTINGS : undefined);
  browserConnection ??= chromium.connect(environment.browserEndpoint);
  const browser = await browserConnection;
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(DEFAULT_WAIT_MS);
  page.setDefaultNavigationTimeout(WORKBENCH_LOAD_MS);
  const workbench = new Workbench(page, context, environment, workspaceDir);
  openWorkbenches.add(workbench);
  try {
    const query = new URLSearchParams({ folder: workspaceDir });
    const timeout = options.loadTimeoutMs ?? WORKBENCH_LOAD_MS;
    await page.goto(`${workbenchUrl}/?${query.toString()}`, { timeout });
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout });
  } catch (error) {
    await workbench.close();
    throw error;
  }
  return workbench;
}

export class Workbench {
  readonly imitation: FalImitationControl;
  readonly imitationUrl: string;
  /** What the normal code-server's extension hosts logged and stored. */
  readonly userDataDir: string;

  constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly environment: UiEnvironment,
    /** This workbench's own copy of the sample workspace. */
    readonly workspaceDir: string,
  ) {
    this.imitationUrl = environment.imitationUrl;
    this.imitation = new FalImitationControl(environment.imitationUrl);
    this.userDataDir = environment.userDataDir;
  }

  /** Runs a palette command by its full title, e.g. "AnimateDiff: Show Log". */
  async runCommand(title: string): Promise<void> {
    const deadline = Date.now() + COMMAND_AVAILABLE_WAIT_MS;
    const entry = this.page.locator(`${QUICK_INPUT} .monaco-list-row`)
      .and(this.page.locator(`[aria-label=${cssString(title)}], [aria-label^=${cssString(`${title},`)}]`));
    for (;;) {
      await this.openQuickInput('F1');
      await this.quickInputBox().fill(`>${title}`);
      const remaining = deadline - Date.now();
      try {
        await entry.first().waitFor({ timeout: Math.max(1, Math.min(3_000, remaining)) });
        break;
      } catch (error) {
        if (Date.now() >= deadline) {
          const listed = await this.page.locator(`${QUICK_INPUT} .monaco-list-row`).evaluateAll(
            (rows) => rows.map((row) => row.getAttribute('aria-label')));
          throw new Error(`command "${title}" is not in the palette (it lists: ${JSON.stringify(listed)})`, { cause: error });
        }
        await this.page.keyboard.press('Escape');
      }
    }
    await entry.first().click();
    // Taken when the palette has closed or turned into the command's own input box.
    await this.page.waitForFunction(([selector, query]) => {
      const input = document.querySelector<HTMLInputElement>(selector);
      return !input || input.offsetParent === null || input.value !== query;
    }, [`${QUICK_INPUT} .quick-input-box input`, `>${title}`] as const);
  }

  /** The text field of the open quick input (palette, input box, password box). */
  quickInputBox(): Locator {
    return this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
  }

  /** Sets the fal key as a person does (the palette command, the password box) and waits for its confirmation. */
  async setApiKey(key: string): Promise<void> {
    await this.runCommand('AnimateDiff: Set fal API Key');
    await this.answerInputBox(key);
    await this.notified(/fal API key saved/);
  }

  /**
   * Moves the pointer onto `target` until `hover` shows, and returns it. A hover needs a move onto its target (the
   * pointer may rest there from a click), and a busy machine can miss one: the move is made again, up to 3 times.
   */
  async hoverUntil(target: Locator, hover: Locator): Promise<Locator> {
    for (let attempt = 1; ; attempt++) {
      await this.page.mouse.move(700, 400);
      await target.hover();
      try {
        await hover.waitFor({ timeout: DEFAULT_WAIT_MS });
        return hover;
      } catch (error) {
        if (attempt >= 3) {
          throw error;
        }
      }
    }
  }

  /** Answers an open input box (e.g. the prompt or the password box) with `value` and Enter. */
  async answerInputBox(value: string): Promise<void> {
    const box = this.quickInputBox();
    await box.waitFor();
    await box.fill(value);
    await box.press('Enter');
  }

  /** Opens a workspace file by its path relative to the workspace folder, through Quick Open. */
  async openFile(relativePath: string): Promise<Locator> {
    const normalized = relativePath.split(path.sep).join('/');
    const name = path.posix.basename(normalized);
    await this.openQuickInput('Control+P');
    await this.quickInputBox().fill(normalized);
    await this.page.locator(`${QUICK_INPUT} .monaco-list-row[aria-label^=${cssString(`${name},`)}]`).first().click();
    const editor = this.activeEditor()
      .and(this.page.locator(`.monaco-editor[data-uri$=${cssString(`/${normalized}`)}]`));
    await editor.waitFor();
    return editor;
  }

  /** The text editor of the active editor group. */
  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /**
   * Selects the first occurrence of `text` (within one line, case-insensitive) in the active editor,
   * using Find as a person would, and checks the status bar reports the selection.
   */
  async selectText(text: string): Promise<void> {
    const editor = this.activeEditor();
    await editor.waitFor();
    await editor.locator('.view-lines').click();
    await this.page.keyboard.press('Control+Home');
    await this.page.keyboard.press('Control+F');
    const findInput = this.page.locator('.editor-group-container.active .find-widget.visible textarea').first();
    await findInput.waitFor();
    await findInput.fill(text);
    const matchCount = this.page.locator('.editor-group-container.active .find-widget .matchesCount');
    try {
      await matchCount.filter({ hasText: /^(\d+|\?) of \d+$/ }).waitFor();
    } catch (error) {
      throw new Error(`"${text}" is not in the active editor (Find says: ${await matchCount.textContent()})`, { cause: error });
    }
    // "? of N": Find has matches but has not moved to one yet; Enter goes to the first after the cursor.
    if ((await matchCount.textContent())?.startsWith('?')) {
      await findInput.press('Enter');
    }
    await matchCount.filter({ hasText: /^1 of \d+$/ }).waitFor();
    await this.page.locator('.statusbar-item').filter({ hasText: `(${text.length} selected)` }).waitFor();
    // Closing Find keeps the match selected. An Escape that arrives while the widget is still settling
    // can be swallowed, so press it until the widget is gone.
    const visibleFindWidget = this.page.locator('.editor-group-container.active .find-widget.visible');
    for (let attempt = 1; ; attempt += 1) {
      await findInput.press('Escape');
      try {
        await visibleFindWidget.waitFor({ state: 'hidden', timeout: 2_000 });
        break;
      } catch (error) {
        if (attempt === 5) {
          throw error;
        }
      }
    }
    await this.page.locator('.statusbar-item').filter({ hasText: `(${text.length} selected)` }).waitFor();
  }

  /** Right-clicks the selection of the active editor (or its cursor when nothing is selected). */
  async rightClickEditor(): Promise<void> {
    const editor = this.activeEditor();
    const selection = editor.locator('.view-overlays .selected-text').first();
    const target = await selection.count() > 0 ? selection : editor.locator('.cursors-layer .cursor').first();
    await target.click({ button: 'right', force: true });
    await this.contextMenu().waitFor();
  }

  /** Right-clicks a file or folder row in the Explorer, by its name. */
  async rightClickExplorerItem(name: string): Promise<void> {
    await this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label=${cssString(name)}]`).click({ button: 'right' });
    await this.contextMenu().waitFor();
  }

  /** The open context menu. */
  contextMenu(): Locator {
    return this.page.locator('.monaco-menu').first();
  }

  /** Clicks the entry of the open context menu whose label is exactly `label`. */
  async clickMenuItem(label: string): Promise<void> {
    const item = this.page.locator('.monaco-menu .action-label').filter({ hasText: new RegExp(`^${escapeRegExp(label)}$`) });
    // A menu ignores a click that comes too soon after it opened; such a click leaves it open, so
    // click again until the menu has closed (a click that was taken closes it).
    for (let attempt = 1; ; attempt += 1) {
      await item.click();
      try {
        await this.contextMenu().waitFor({ state: 'hidden', timeout: 2_000 });
        return;
      } catch (error) {
        if (attempt === 5) {
          throw error;
        }
      }
    }
  }

  /** The content of the newest webview (e.g. the video panel): two nested iframes deep. */
  webviewFrame(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
  }

  /** The notification toast whose text matches; use `.getByRole('button', { name })` for its buttons. */
  notification(text: RegExp | string): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  }

  /**
   * Waits until a notification with this text has been shown: as a toast or, when the toast already hid itself (an
   * information toast does after a few seconds, which a loaded machine can spend on the test's other waits), in the
   * Notification Center, which keeps it.
   */
  async notified(text: RegExp | string, timeout = DEFAULT_WAIT_MS): Promise<void> {
    try {
      await this.notification(text).waitFor({ timeout });
      return;
    } catch {
      // Looked for in the Notification Center below.
    }
    await this.runCommand('Notifications: Show Notifications');
    await this.page.locator('.notifications-center .notification-list-item').filter({ hasText: text }).first().waitFor();
    await this.runCommand('Notifications: Hide Notifications');
  }

  /** The channel the Output panel shows (the panel must be open). */
  async selectedOutputChannel(): Promise<string> {
    const picker = this.page.locator('.part.panel select[aria-label="Switch Output"]').filter({ visible: true }).first();
    await picker.waitFor();
    return picker.inputValue();
  }

  /** The Chat view (in the secondary side bar). */
  chatView(): Locator {
    return this.page.locator('.part.auxiliarybar .interactive-session');
  }

  /**
   * Opens the Chat view ("Chat: Open Chat") and waits until its input has the focus and its model picker shows the
   * scripted model: a request sent before VS Code has picked a model fails ("Language model unavailable"). `width`:
   * drags the secondary side bar's edge until the view is about that wide (CSS pixels), as a person widens it.
   */
  async openChat(width?: number): Promise<void> {
    await this.runCommand('Chat: Open Chat');
    const input = this.chatView().locator('.interactive-input-part');
    await input.locator('.model-picker-item .chat-input-picker-label').filter({ hasText: SCRIPTED_MODEL })
      .waitFor({ timeout: COMMAND_AVAILABLE_WAIT_MS });
    if (width !== undefined) {
      const bar = await this.page.locator('.part.auxiliarybar').boundingBox();
      assert.ok(bar, 'the secondary side bar is on screen');
      await this.page.mouse.move(bar.x - 1, bar.y + bar.height / 2);
      await this.page.mouse.down();
      await this.page.mouse.move(bar.x + bar.width - width, bar.y + bar.height / 2, { steps: 5 });
      await this.page.mouse.up();
    }
    await this.focusChatInput();
  }

  /** Clicks into the chat input and waits until it has the focus. */
  async focusChatInput(): Promise<void> {
    await this.chatView().locator('.interactive-input-part .monaco-editor').first().click();
    await this.page.waitForFunction(() => document.activeElement?.closest('.part.auxiliarybar .interactive-input-part') != null);
  }

  /**
   * Replaces what the focused chat input holds (a sticky participant stays there after its answer) with `text` and
   * sends it with Enter.
   */
  async sendChatMessage(text: string): Promise<void> {
    await this.page.waitForFunction(() => document.activeElement?.closest('.part.auxiliarybar .interactive-input-part') != null);
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
  }

  /** Saves a PNG of the window under test-output/screenshots/ and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(this.environment.screenshotsDir, { recursive: true });
    const file = path.join(this.environment.screenshotsDir, `${name.replace(/[^\w.-]+/g, '-').slice(0, 120)}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    openWorkbenches.delete(this);
    await this.context.close();
  }

  /** Closes whatever quick input or menu is open, then opens the quick input with `key`. */
  private async openQuickInput(key: string): Promise<void> {
    const widget = this.page.locator(QUICK_INPUT);
    if (await widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden' });
    }
    await this.page.keyboard.press(key);
    await this.quickInputBox().waitFor();
  }
}

/**
 * Waits until a video element plays: decoded frames, a size, not paused, its time moving. Checked as one state in the
 * page (the panel may switch the source, e.g. from fal's URL to the local copy, between two separate looks); returns
 * the URL it plays.
 */
export async function waitUntilPlaying(video: Locator): Promise<string> {
  const state = await video.evaluate((element: HTMLVideoElement) => new Promise<{ readyState: number; width: number; paused: boolean; src: string }>((resolve) => {
    const check = () => {
      if (element.readyState >= 2 && element.videoWidth > 0 && !element.paused && element.currentTime > 0) {
        resolve({ readyState: element.readyState, width: element.videoWidth, paused: element.paused, src: element.currentSrc });
      }
    };
    for (const event of ['timeupdate', 'playing', 'loadeddata']) {
      element.addEventListener(event, check);
    }
    check();
  }));
  assert.ok(state.readyState >= 2, `readyState ${state.readyState}`);
  assert.ok(state.width > 0, `videoWidth ${state.width}`);
  assert.equal(state.paused, false);
  return state.src;
}

function cssString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
