/**
 * A minimal event for code that must not import vscode (it is unit-tested on Node): listeners are called in
 * order, and one that throws neither stops the others nor the code that fired.
 */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  /** Subscribes; the returned object unsubscribes. */
  readonly event = (listener: (value: T) => void): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
