import * as vscode from 'vscode';
import { Disposable } from '../../util/dispose';

/** A context key set (to the same value) only to make a round trip to the window. */
const PROBE_CONTEXT_KEY = 'animateDiff.windowReachable';

export interface WindowPresenceOptions {
  /** How often to check while the window follows jobs. */
  intervalMs: number;
  /** A round trip slower than this means the window is gone (or cut off). */
  timeoutMs: number;
  /** The round trip; by default a no-op command executed by the window. */
  probe?: () => Thenable<unknown>;
}

const DEFAULT_OPTIONS: WindowPresenceOptions = { intervalMs: 3000, timeoutMs: 8000 };

function probeTheWindow(): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', PROBE_CONTEXT_KEY, true);
}

/**
 * Whether the window this extension host serves is still there. In a remote or web VS Code (code-server, SSH,
 * WSL, Codespaces) reloading the page does not end the old extension host: it waits hours for a reconnection
 * that never comes, alive but without a window. Such a host must let the new window take over its jobs. A
 * round trip to the window that never returns tells; one probe at a time, so a host without a window queues
 * one message, not one per check.
 */
export class WindowPresence extends Disposable {
  private reachable = true;
  private pendingProbe: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly changeEmitter = this._register(new vscode.EventEmitter<boolean>());
  /** Fires `false` when the window stops answering, `true` when it answers again. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    /** Whether there is anything to protect (this window follows jobs). */
    private readonly wanted: () => boolean,
    private readonly log: vscode.LogOutputChannel,
    private readonly options: WindowPresenceOptions = DEFAULT_OPTIONS,
  ) {
    super();
    this._register({ dispose: () => this.stop() });
  }

  get isReachable(): boolean {
    return this.reachable;
  }

  /** Starts or stops checking; call when the jobs this window follows change. */
  update(): void {
    if (this.isDisposed) {
      return;
    }
    if ((this.wanted() || !this.reachable) && !this.timer && !this.pendingProbe) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.probe();
      }, this.options.intervalMs);
    } else if (!this.wanted() && this.reachable) {
      this.stop();
    }
  }

  private probe(): void {
    let answered = false;
    const roundTrip = Promise.resolve((this.options.probe ?? probeTheWindow)()).then(
      () => undefined,
      () => undefined,
    );
    const timeout = setTimeout(() => {
      if (!answered) {
        this.setReachable(false);
      }
    }, this.options.timeoutMs);
    this.pendingProbe = roundTrip.then(() => {
      answered = true;
      clearTimeout(timeout);
      this.pendingProbe = undefined;
      this.setReachable(true);
      this.update();
    });
  }

  private setReachable(reachable: boolean): void {
    if (reachable === this.reachable || this.isDisposed) {
      return;
    }
    this.reachable = reachable;
    if (reachable) {
      this.log.info('The window answers again: this window follows its generations again.');
    } else {
      this.log.warn(`The window has not answered for ${this.options.timeoutMs / 1000} s (reloaded or closed): its generations are left for the next window to pick up.`);
    }
    this.changeEmitter.fire(reachable);
  }

  private stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
