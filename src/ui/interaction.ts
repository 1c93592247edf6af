import * as vscode from 'vscode';
import { redact } from '../util/redaction';

/**
 * Every question and message the extension puts to the user goes through here, so the integration suite
 * (which cannot click VS Code's UI) can see what was shown and script the answer. Outside tests this is a
 * straight pass-through to `vscode.window`.
 */
export interface ShownMessage {
  kind: 'error' | 'warning' | 'info' | 'input' | 'quickPick';
  message: string;
  actions: string[];
  modal: boolean;
  detail?: string;
  password?: boolean;
}

export interface Interaction {
  error(message: string, ...actions: string[]): Thenable<string | undefined>;
  warning(message: string, options: { modal?: boolean; detail?: string }, ...actions: string[]): Thenable<string | undefined>;
  info(message: string, ...actions: string[]): Thenable<string | undefined>;
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T | undefined>;
}

export const windowInteraction: Interaction = {
  error: (message, ...actions) => vscode.window.showErrorMessage(message, ...actions),
  warning: (message, options, ...actions) => vscode.window.showWarningMessage(message, options, ...actions),
  info: (message, ...actions) => vscode.window.showInformationMessage(message, ...actions),
  input: (options) => vscode.window.showInputBox(options),
  pick: (items, options) => vscode.window.showQuickPick(items, options),
};

/**
 * Every message and question with secrets redacted (see util/redaction.ts): what fal or a library says can quote
 * the key, and must not show it.
 */
export function redactingInteraction(inner: Interaction): Interaction {
  const optional = (text: string | undefined) => (text === undefined ? undefined : redact(text));
  return {
    error: (message, ...actions) => inner.error(redact(message), ...actions),
    warning: (message, options, ...actions) => inner.warning(redact(message), { ...options, detail: optional(options.detail) }, ...actions),
    info: (message, ...actions) => inner.info(redact(message), ...actions),
    input: (options) => inner.input({ ...options, prompt: optional(options.prompt), title: optional(options.title) }),
    pick: (items, options) => inner.pick(items, { ...options, placeHolder: optional(options.placeHolder), title: optional(options.title) }),
  };
}

/** Test double that records what was shown and answers from a script (first matching answer wins, used once). */
export class RecordingInteraction implements Interaction {
  readonly shown: ShownMessage[] = [];
  private readonly answers: Array<{ match: RegExp; answer: string | undefined }> = [];
  private readonly listeners = new Set<(message: ShownMessage) => void>();

  script(match: RegExp, answer: string | undefined): void {
    this.answers.push({ match, answer });
  }

  reset(): void {
    this.shown.length = 0;
    this.answers.length = 0;
  }

  onDidShow(listener: (message: ShownMessage) => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  private record(message: ShownMessage): string | undefined {
    this.shown.push(message);
    for (const listener of this.listeners) {
      listener(message);
    }
    const index = this.answers.findIndex((a) => a.match.test(message.message));
    if (index < 0) {
      return undefined;
    }
    const [{ answer }] = this.answers.splice(index, 1);
    return answer;
  }

  error(message: string, ...actions: string[]): Thenable<string | undefined> {
    return Promise.resolve(this.record({ kind: 'error', message, actions, modal: false }));
  }

  warning(message: string, options: { modal?: boolean; detail?: string }, ...actions: string[]): Thenable<string | undefined> {
    return Promise.resolve(this.record({ kind: 'warning', message, actions, modal: Boolean(options.modal), ...(options.detail ? { detail: options.detail } : {}) }));
  }

  info(message: string, ...actions: string[]): Thenable<string | undefined> {
    return Promise.resolve(this.record({ kind: 'info', message, actions, modal: false }));
  }

  input(options: vscode.InputBoxOptions): Thenable<string | undefined> {
    const answer = this.record({ kind: 'input', message: options.prompt ?? options.title ?? '', actions: [], modal: false, password: options.password });
    if (answer !== undefined && options.validateInput) {
      return Promise.resolve(options.validateInput(answer)).then((problem) => {
        const text = typeof problem === 'string' ? problem : problem?.message;
        if (text) {
          this.record({ kind: 'error', message: `input rejected: ${text}`, actions: [], modal: false });
          return undefined;
        }
        return answer;
      });
    }
    return Promise.resolve(answer);
  }

  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T | undefined> {
    const answer = this.record({ kind: 'quickPick', message: options.placeHolder ?? options.title ?? '', actions: items.map((i) => i.label), modal: false });
    return Promise.resolve(items.find((i) => i.label === answer));
  }
}
