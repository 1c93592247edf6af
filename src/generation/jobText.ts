import type { RunningJobState } from '../model/generation';
import { shorten } from '../util/text';
import { l10n } from '../l10n/l10n';

/**
 * The one wording of where a job is: short for lists (the History view, the status bar, the running-jobs pick),
 * as a sentence for progress (the notification, a batch grid's tiles). Queue positions are fal's, counted from 0.
 */
export interface JobProgress {
  readonly state: RunningJobState;
  readonly queuePosition?: number | undefined;
  /** fal has made the video; it is being saved. */
  readonly resultReady?: boolean;
  readonly lastLog?: string | undefined;
}

/** `submitting`, `queued #2`, `running`, `saving the video`. */
export function jobStateText(job: JobProgress): string {
  if (job.resultReady) {
    return l10n.t('saving the video');
  }
  switch (job.state) {
    case 'submitting':
      return l10n.t('submitting');
    case 'queued':
      return job.queuePosition !== undefined ? l10n.t('queued #{0}', job.queuePosition + 1) : l10n.t('queued');
    case 'running':
      return l10n.t('running');
  }
}

/** `Submitting to fal…`, `In fal's queue — position 2`, `Generating — step 3/4`, `Saving the video…`. */
export function jobProgressText(job: JobProgress, options: { logLength?: number } = {}): string {
  if (job.resultReady) {
    return l10n.t('Saving the video…');
  }
  switch (job.state) {
    case 'submitting':
      return l10n.t('Submitting to fal…');
    case 'queued':
      return job.queuePosition !== undefined ? l10n.t('In fal\'s queue — position {0}', job.queuePosition + 1) : l10n.t('In fal\'s queue…');
    case 'running':
      return job.lastLog ? l10n.t('Generating — {0}', options.logLength ? shorten(job.lastLog, options.logLength) : job.lastLog) : l10n.t('Generating…');
  }
}
