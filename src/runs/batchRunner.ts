import { l10n } from '../l10n/l10n';

/**
 * Running many generations at once: a bounded pool that starts jobs in order and keeps at most `limit` of
 * them in flight, and the one-line summary a batch ends with. No vscode import, so all of it is unit-tested on Node.
 */

export type PoolResult<R> =
  | { status: 'fulfilled'; value: R }
  | { status: 'rejected'; reason: unknown }
  /** Never started: `shouldStart` said no (the batch was cancelled). */
  | { status: 'skipped' };

export interface PoolOptions<R> {
  /** Asked before each item starts; false leaves it (and, being asked again, the rest) unstarted. */
  shouldStart?: () => boolean;
  /** Told as each item settles, in the order they finish. */
  onSettled?: (index: number, result: PoolResult<R>) => void;
}

/**
 * Runs `worker` over `items`, starting them in order with at most `limit` running at any moment; one
 * failure does not stop the others. Resolves when every item has settled, results in the items' order.
 */
export async function runWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
  options: PoolOptions<R> = {},
): Promise<PoolResult<R>[]> {
  const slots = Math.max(1, Math.floor(Number.isFinite(limit) ? limit : 1));
  const results: PoolResult<R>[] = items.map(() => ({ status: 'skipped' }));
  let next = 0;
  const settle = (index: number, result: PoolResult<R>) => {
    results[index] = result;
    options.onSettled?.(index, result);
  };
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      if (options.shouldStart && !options.shouldStart()) {
        settle(index, { status: 'skipped' });
        continue;
      }
      try {
        settle(index, { status: 'fulfilled', value: await worker(items[index], index) });
      } catch (reason) {
        settle(index, { status: 'rejected', reason });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(slots, items.length) }, lane));
  return results;
}

export type BatchItemState = 'done' | 'failed' | 'cancelled' | 'skipped';

export interface BatchItemSummary {
  /** Names the item in the summary, e.g. `fox.animate.json · seed 7`. */
  label: string;
  state: BatchItemState;
  /** Why it failed or was skipped. */
  reason?: string;
}

export interface BatchSummary {
  severity: 'info' | 'warning' | 'error';
  text: string;
}

const REASON_LENGTH = 160;

function shortReason(reason: string | undefined): string {
  const oneLine = (reason ?? l10n.t('no reason given')).replace(/\s+/g, ' ').trim();
  return oneLine.length > REASON_LENGTH ? `${oneLine.slice(0, REASON_LENGTH - 1)}…` : oneLine;
}


/**
 * One message for a finished batch: how many videos were made and, for every item that was not, which
 * and why (items failing for the same reason are named together, so 4 × the same 422 reads as one line).
 */
export function summarizeBatch(items: readonly BatchItemSummary[]): BatchSummary {
  const done = items.filter((item) => item.state === 'done').length;
  const notDone = items.filter((item) => item.state !== 'done');
  if (notDone.length === 0) {
    const text = done === 1
      ? l10n.t('1 video generated.')
      : done === 2 ? l10n.t('Both videos generated.') : done > 2 ? l10n.t('All {0} videos generated.', done) : l10n.t('{0} videos generated.', done);
    return { severity: 'info', text };
  }
  // Keyed by verb and reason, so items failing the same way are named together.
  const groups = new Map<string, { verb: string; reason: string; labels: string[] }>();
  for (const item of notDone) {
    const verb = item.state === 'cancelled' ? 'cancelled' : item.state === 'skipped' ? 'skipped' : 'failed';
    const reason = shortReason(item.state === 'cancelled' ? item.reason ?? l10n.t('cancelled by the user') : item.reason);
    const key = JSON.stringify([verb, reason]);
    const group = groups.get(key) ?? { verb, reason, labels: [] };
    group.labels.push(item.label);
    groups.set(key, group);
  }
  const details = [...groups.values()].map(({ verb, reason, labels }) => {
    const named = labels.length > 3 ? l10n.t('{0} and {1} more', labels.slice(0, 3).join(', '), labels.length - 3) : labels.join(', ');
    const why = reason.replace(/\.$/, '');
    return verb === 'cancelled'
      ? l10n.t('{0} cancelled — {1}', named, why)
      : verb === 'skipped' ? l10n.t('{0} not run — {1}', named, why) : l10n.t('{0} failed — {1}', named, why);
  });
  const head = done === 0
    ? (items.length === 1 ? l10n.t('The video was not generated.') : l10n.t('None of the {0} videos was generated.', items.length))
    : l10n.t('{0} of {1} videos generated.', done, items.length);
  const onlyCancelled = notDone.every((item) => item.state === 'cancelled');
  return {
    severity: done === 0 && !onlyCancelled ? 'error' : 'warning',
    text: l10n.t('{0} {1}.', head, details.join('; ')),
  };
}
