import type * as vscode from 'vscode';
import { redact } from '../util/redaction';

const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

/** The output channel with secrets redacted from every line written to it (see util/redaction.ts). */
export function redactingLog(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property === 'string' && WRITERS.has(property) && typeof value === 'function') {
        return (message: unknown, ...args: unknown[]) => (value as (...all: unknown[]) => unknown).call(
          target,
          message instanceof Error ? redact(message.stack ?? message.message) : redact(String(message)),
          ...args.map((arg) => redact(arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : JSON.stringify(arg) ?? String(arg))),
        );
      }
      return typeof value === 'function' ? (value as (...all: unknown[]) => unknown).bind(target) : value;
    },
  });
}
