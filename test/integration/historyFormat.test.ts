// How history entries read in the History view and their log documents (pure functions, no window needed).
import * as assert from 'node:assert/strict';
import { createEntry, type HistoryEntry, type NewHistoryEntry } from '../../src/history/store/entry';
import {
  entryAccessibilityLabel, entryDescription, entryLabel, formatBytes, formatDuration, formatRelativeTime, logDocumentText, matchesFilter, statusText,
} from '../../src/history/view/format';
import { isSandboxVideoUrl, parametersRecordOf, recordOf, rerunRequestOf } from '../../src/history/records';
import { readHistoryLimits } from '../../src/config/settings';
import { statusBarText } from '../../src/history/view/runningJobs';
import { jobStateText } from '../../src/generation/jobText';
import type { RunningJob } from '../../src/model/generation';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function entry(overrides: Partial<NewHistoryEntry> & { input?: Record<string, unknown> } = {}): HistoryEntry {
  return createEntry({
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    input: { prompt: 'a red fox running through fresh snow at sunrise', video_size: 'landscape_16_9', seed: 7 },
    source: { kind: 'selection', file: 'file:///work/prompts/ideas%20one.md' },
    createdAt: NOW - 3 * 60_000,
    ...overrides,
  }, NOW);
}

describe('history: how entries read', () => {
  it('label: the prompt on one line, shortened', () => {
    assert.equal(entryLabel(entry({ input: { prompt: '  two\nlines  ' } })), 'two lines');
    assert.equal(entryLabel(entry()), 'a red fox running…');
    assert.equal(entryLabel(entry({ input: {} })), '(no prompt)');
  });

  it('description: what tells variations apart first (status unless done, seed, when), then size and how long', () => {
    const done = entry({ status: 'done', seed: 1234, timings: { totalMs: 6_200 } });
    assert.equal(entryDescription(done, NOW), 'seed 1234 · 3 min. ago · 1024×576 · 6.2 s');
    assert.equal(entryAccessibilityLabel(done, entryDescription(done, NOW)), 'a red fox running through fresh snow at sunrise, done, seed 1234 · 3 min. ago · 1024×576 · 6.2 s');
    const queued = entry({ status: 'queued', queuePosition: 2, input: { prompt: 'x', video_size: { width: 640, height: 360 } } });
    assert.equal(entryDescription(queued, NOW), 'queued #3 · 3 min. ago · 640×360 · 3 min');
    assert.equal(statusText(entry({ status: 'queued' })), 'queued');
    const failed = entry({ status: 'failed', timings: { completedAt: NOW - 2 * 60_000 } });
    assert.equal(entryDescription(failed, NOW), 'failed · seed 7 · 3 min. ago · 1024×576 · 1 min');
  });

  it('relative times, durations and sizes', () => {
    assert.equal(formatRelativeTime(NOW - 10_000, NOW), 'just now');
    assert.equal(formatRelativeTime(NOW - 5 * 3_600_000, NOW), '5 hr. ago');
    assert.equal(formatRelativeTime(NOW - 30 * 3_600_000, NOW), 'yesterday');
    assert.equal(formatRelativeTime(NOW - 3 * 86_400_000, NOW), '3 days ago');
    assert.match(formatRelativeTime(NOW - 40 * 86_400_000, NOW, 'en-US'), /Dec \d+, 2025/);
    assert.equal(formatDuration(6_200), '6.2 s');
    assert.equal(formatDuration(42_000), '42 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
    assert.equal(formatBytes(17_899), '17 KB');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MB');
  });

  it('filter: every word, in prompt, seed, status, error or request id', () => {
    const failed = entry({ status: 'failed', requestId: 'req-42', error: { kind: 'server', message: 'Runner disconnected' } });
    assert.ok(matchesFilter(failed, 'FOX snow'));
    assert.ok(matchesFilter(failed, 'failed disconnected'));
    assert.ok(matchesFilter(failed, 'req-42'));
    assert.ok(matchesFilter(failed, '7'));
    assert.ok(!matchesFilter(failed, 'fox cat'));
    assert.ok(matchesFilter(failed, '   '));
  });

  it('records: only done entries play; parameters of any entry can be saved; re-runs keep or drop the seed', () => {
    const running = entry({ status: 'running', requestId: 'r1' });
    assert.equal(recordOf(running), undefined);
    assert.equal(parametersRecordOf(running).input.prompt, 'a red fox running through fresh snow at sunrise');
    const done = entry({ status: 'done', requestId: 'r2', seed: 99, remoteVideoUrl: 'https://v3.fal.media/files/x.mp4', timings: { totalMs: 1000 } });
    const record = recordOf(done);
    assert.equal(record?.seed, 99);
    assert.equal(record?.sandbox, false);
    assert.ok(isSandboxVideoUrl('http://127.0.0.1:4000/files/videos/a.mp4'));
    assert.deepEqual(rerunRequestOf(done, 'same').input, { ...done.input, seed: 99 });
    assert.equal('seed' in rerunRequestOf(done, 'new').input, false);
    assert.equal(rerunRequestOf(done, 'new').source.kind, 'rerun');
  });

  it('the log document: request, outcome, fal\'s lines', () => {
    const failed = entry({ status: 'failed', requestId: 'req-7', error: { kind: 'lost', message: 'fal no longer knows this job' }, logs: ['step 1/4', 'step 2/4'] });
    const text = logDocumentText(failed, undefined);
    assert.match(text, /^AnimateDiff generation /);
    // A failure of our own is worded from its kind and the entry, in the display language, not from the stored text.
    assert.match(text, /Error: +fal no longer knows this job \(request req-7\), so it could not be picked up again after the reload\. Re-run it to generate the video\. \(lost\)/);
    assert.match(text, /Request id: +req-7/);
    assert.match(text, /"video_size": "landscape_16_9"/);
    assert.match(text, /fal log \(last 2 lines\):\nstep 1\/4\nstep 2\/4\n$/);
  });

  it('limits from the settings: 0 is no limit, invalid values are named and ignored', () => {
    assert.deepEqual(readHistoryLimits((name) => ({ 'history.maxVideos': 10, 'history.maxVideoMegabytes': 0 })[name]).limits, { maxVideos: 10, maxTotalBytes: undefined });
    const invalid = readHistoryLimits((name) => ({ 'history.maxVideos': 2.5, 'history.maxVideoMegabytes': 'a lot' })[name]);
    assert.deepEqual(invalid.limits, { maxVideos: undefined, maxTotalBytes: undefined });
    assert.equal(invalid.problems.length, 2);
    assert.match(invalid.problems[0], /animateDiff\.history\.maxVideos must be a whole number/);
    assert.equal(readHistoryLimits((name) => ({ 'history.maxVideos': 1, 'history.maxVideoMegabytes': 1.5 })[name]).description, '1 video and 1.5 MB');
  });

  it('status bar: how many run, and the best queue position; a job fal has finished is being saved', () => {
    const job = (state: RunningJob['state'], queuePosition?: number, resultReady = false): RunningJob => ({
      id: state, label: state, endpoint: 'e', request: { input: {}, source: { kind: 'prompt' } }, startedAt: NOW,
      requestId: undefined, state, resultReady, queuePosition, lastLog: undefined, cancel: () => undefined,
    });
    assert.equal(statusBarText([job('running')]), '$(sync~spin) AnimateDiff: 1 running');
    assert.equal(statusBarText([job('running'), job('queued', 4), job('queued', 1)]), '$(sync~spin) AnimateDiff: 3 running · queue #2');
    assert.equal(jobStateText(job('queued', 2)), 'queued #3');
    assert.equal(jobStateText(job('running', undefined, true)), 'saving the video');
  });
});
