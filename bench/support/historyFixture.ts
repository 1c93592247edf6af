import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { HISTORY_FOLDER_NAME, HISTORY_RUNNING_FOLDER_NAME } from '../../src/history/ids';
import { createEntry, type HistoryEntry } from '../../src/history/store/entry';
import { historyFileName, VIDEOS_FOLDER } from '../../src/history/store/historyStore';
import { headerLine, logsLine, putLine } from '../../src/history/store/records';
import { REPO_ROOT } from './vscodeStub';

/*
 * Histories of a given size, written straight in the store's file format (records.ts) the way a history that has
 * lived looks: finished generations with fal's answer and their log lines, the newest 200 with a local copy (the
 * default `animateDiff.history.maxVideos`), the older ones pruned, and half of them with an older record of the
 * entry still in the file (a file is compacted when it holds twice its live records).
 */

export const CLIP = path.join(REPO_ROOT, 'test', 'fixtures', 'clip.mp4');
const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';
const SUBJECTS = ['a red fox running through fresh snow', 'a paper boat drifting down a rain-soaked street', 'a lighthouse in a storm at night',
  'a cyberpunk market at dusk', 'a koi pond with falling cherry blossoms', 'an astronaut walking on a glacier'];
const STYLES = ['cinematic lighting, highly detailed', 'watercolor style', 'studio ghibli style, soft colors', 'photorealistic, 35mm film grain'];
const SIZES = ['square', 'landscape_16_9', 'portrait_4_3'] as const;
const KEPT_VIDEOS = 200;

/** One finished generation as the product records it, `index` generations before now. */
export function finishedEntry(index: number, now: number, withVideo: boolean): HistoryEntry {
  const createdAt = now - (index + 1) * 60_000;
  const id = randomUUID();
  const requestId = randomUUID();
  const seed = 1_000_000 + index;
  const videoUrl = `https://v3.fal.media/files/rabbit/${requestId}.mp4`;
  return createEntry({
    id,
    createdAt,
    updatedAt: createdAt + 9_000,
    status: 'done',
    endpoint: ENDPOINT,
    input: {
      prompt: `${SUBJECTS[index % SUBJECTS.length]}, ${STYLES[index % STYLES.length]}, take ${index}`,
      negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
      num_frames: 16,
      num_inference_steps: 4,
      guidance_scale: 1,
      fps: 8,
      video_size: SIZES[index % SIZES.length],
      ...(index % 3 === 0 ? { seed } : {}),
    },
    source: index % 4 === 0 ? { kind: 'file', file: `file:///home/user/project/clips/take-${index % 50}.animate.json` } : { kind: index % 2 === 0 ? 'selection' : 'prompt' },
    requestId,
    seed,
    remoteVideoUrl: videoUrl,
    ...(withVideo ? { video: { file: `${VIDEOS_FOLDER}/${id}.mp4`, bytes: 18_000, contentType: 'video/mp4' } } : { videoPruned: true as const }),
    timings: { submittedAt: createdAt, startedAt: createdAt + 1_200, completedAt: createdAt + 8_900, totalMs: 8_900, inferenceSeconds: 6.4 },
    result: { video: { url: videoUrl, content_type: 'video/mp4', file_name: `${requestId}.mp4`, file_size: 18_000 }, seed },
    logs: ['step 1/4', 'step 2/4', 'step 3/4', 'step 4/4'],
  }, createdAt);
}

/**
 * Writes a history of `size` entries into `<globalStorage>/history` (the store's folder) and returns that folder.
 * The folder must not hold a history yet.
 */
export async function writeHistory(globalStorage: string, size: number, now = Date.now()): Promise<string> {
  const folder = path.join(globalStorage, HISTORY_FOLDER_NAME);
  await fsp.mkdir(path.join(folder, HISTORY_RUNNING_FOLDER_NAME), { recursive: true });
  await fsp.mkdir(path.join(folder, VIDEOS_FOLDER), { recursive: true });
  if (size === 0) {
    return folder;
  }
  const handle = await fsp.open(path.join(folder, historyFileName(1)), 'wx');
  try {
    let chunk: string[] = [headerLine(1)];
    const flush = async () => {
      await handle.write(`${chunk.join('\n')}\n`);
      chunk = [];
    };
    // Oldest first, as they were appended.
    for (let index = size - 1; index >= 0; index--) {
      const withVideo = index < KEPT_VIDEOS;
      const entry = finishedEntry(index, now, withVideo);
      if (index % 2 === 0) {
        // An older record of the entry (before its video was pruned), still in the file.
        const earlier = finishedEntry(index, now, true);
        chunk.push(putLine({ ...earlier, id: entry.id }, 1));
      }
      chunk.push(putLine(entry, 2));
      chunk.push(logsLine(entry.id, entry.logs ?? [], true));
      if (withVideo) {
        await fsp.copyFile(CLIP, path.join(folder, VIDEOS_FOLDER, `${entry.id}.mp4`));
      }
      if (chunk.length >= 2000) {
        await flush();
      }
    }
    await flush();
  } finally {
    await handle.close();
  }
  return folder;
}

/** Copies a history folder (to give each measure a history of its own without writing it again). */
export async function copyHistory(from: string, to: string): Promise<void> {
  await fsp.cp(from, to, { recursive: true });
}
