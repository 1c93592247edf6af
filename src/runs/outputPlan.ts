import * as path from 'node:path';
import { pathExists } from '../files/atomicFile';
import { outputNameFor, type ParamsRequest } from '../params/requests';
import type { Interaction } from '../ui/interaction';
import type { PreparedParamsFile } from './prepare';
import { l10n } from '../l10n/l10n';

export interface OutputPair {
  /** Absolute paths. */
  video: string;
  record: string;
}

/** One video of a run, with the files it will be saved as. */
export interface PlannedJob {
  file: PreparedParamsFile;
  request: ParamsRequest;
  label: string;
  pair: OutputPair;
  /** The user chose to replace files of these names. */
  replace: boolean;
}

/** `fox-7.mp4` / `fox-7.result.json`, or with `copy` 2, 3, …: `fox-7-2.mp4` / `fox-7-2.result.json`. */
export function outputPairIn(folder: string, names: { video: string; record: string }, copy = 1): OutputPair {
  const suffix = copy > 1 ? `-${copy}` : '';
  return {
    video: path.join(folder, names.video.replace(/\.mp4$/, `${suffix}.mp4`)),
    record: path.join(folder, names.record.replace(/\.result\.json$/, `${suffix}.result.json`)),
  };
}

/**
 * The first pair of names (`fox-7`, `fox-7-2`, …) of which neither file exists nor is `reserved` (names
 * already promised to other jobs of the same batch, which this adds to).
 */
export async function freeOutputPair(folder: string, names: { video: string; record: string }, reserved: Set<string>): Promise<OutputPair> {
  for (let copy = 1; ; copy++) {
    const pair = outputPairIn(folder, names, copy);
    const taken = reserved.has(pair.video) || reserved.has(pair.record) || await pathExists(pair.video) || await pathExists(pair.record);
    if (!taken) {
      reserved.add(pair.video);
      reserved.add(pair.record);
      return pair;
    }
  }
}

/**
 * The second step of a run: the files every video will be saved as (output folders are local: see prepare.ts).
 * When some exist it asks once, before anything is spent, whether to replace them or keep both; undefined when
 * the user declined.
 */
export async function planOutputs(files: readonly PreparedParamsFile[], manyFiles: boolean, interaction: Interaction): Promise<PlannedJob[] | undefined> {
  const planned = files.flatMap((file) => file.requests.map((request) => ({
    file,
    request,
    label: manyFiles ? l10n.t('{0} · seed {1}', file.name, request.seed) : l10n.t('seed {0}', request.seed),
    plain: outputPairIn(file.outputFolder.fsPath, outputNameFor(file.name, request.seed)),
  })));
  const existing: string[] = [];
  for (const job of planned) {
    for (const file of [job.plain.video, job.plain.record]) {
      if (await pathExists(file)) {
        existing.push(path.basename(file));
      }
    }
  }
  let replace = false;
  if (existing.length > 0) {
    const named = existing.length > 3 ? l10n.t('{0} and {1} more', existing.slice(0, 3).join(', '), existing.length - 3) : existing.join(', ');
    const keepBoth = l10n.t('Keep Both');
    const replaceLabel = l10n.t('Replace');
    const choice = await interaction.warning(
      existing.length === 1
        ? l10n.t('{0} already exists. Replace, or keep both (the new files get a number, like fox-7-2.mp4)?', named)
        : l10n.t('{0} already exist. Replace, or keep both (the new files get a number, like fox-7-2.mp4)?', named),
      { modal: true, detail: l10n.t('Nothing has been sent to fal yet.') },
      keepBoth,
      replaceLabel,
    );
    if (choice === undefined) {
      return undefined;
    }
    replace = choice === replaceLabel;
  }
  const reserved = new Set<string>();
  const jobs: PlannedJob[] = [];
  for (const job of planned) {
    const plainFree = !reserved.has(job.plain.video) && !reserved.has(job.plain.record);
    if (replace && plainFree) {
      reserved.add(job.plain.video);
      reserved.add(job.plain.record);
      jobs.push({ file: job.file, request: job.request, label: job.label, pair: job.plain, replace: true });
    } else {
      const pair = await freeOutputPair(job.file.outputFolder.fsPath, outputNameFor(job.file.name, job.request.seed), reserved);
      jobs.push({ file: job.file, request: job.request, label: job.label, pair, replace: false });
    }
  }
  return jobs;
}
