import * as assert from 'node:assert/strict';
import { failureFromHttp, networkFailure, timeoutFailure } from '../../../src/fal/errors';
import { canFollowAgain } from '../../../src/history/records';
import type { HistoryEntry } from '../../../src/history/store/entry';
import { actionsFor, FalFailure, failureAfterAcceptance } from '../../../src/model/failure';

describe('a failure after fal accepted the job', () => {
  const requestId = 'req-accepted-1';

  for (const [what, failure] of [
    ['the connection broke while following it', networkFailure('ECONNRESET', 'fal')],
    ['the wait timed out', timeoutFailure(10)],
    ["fal's result answer was a 502", failureFromHttp(502, 'Bad Gateway')],
    ["fal's answer could not be read", new FalFailure('unknown', "fal's answer to the result could not be read: it is not JSON.")],
  ] as const) {
    it(`${what}: keeps the request id, says how to get the video, and offers no Retry that looks free`, () => {
      const after = failureAfterAcceptance(failure, requestId);
      assert.equal(after.kind, failure.kind);
      assert.equal(after.details.requestId, requestId);
      assert.ok(after.message.startsWith(failure.message.trim()), after.message);
      assert.match(after.message, /request req-accepted-1/);
      assert.match(after.message, /Check fal Again/);
      assert.deepEqual(actionsFor(after), ['openDashboard', 'retryMayCharge', failure.kind === 'timeout' ? 'openSettings' : 'openLog']);
    });
  }

  it("fal's own word on the job is left as it is, with the request id kept", () => {
    for (const failure of [
      failureFromHttp(422, { detail: 'content policy violation' }),
      new FalFailure('server', 'fal could not finish the job: “runner died”.', { falDetail: 'runner died', endedAtFal: true }),
    ]) {
      const after = failureAfterAcceptance(failure, requestId);
      assert.equal(after.message, failure.message);
      assert.equal(after.details.requestId, requestId);
      assert.deepEqual(actionsFor(after), actionsFor(failure));
    }
  });

  it('the history can check fal again for exactly those jobs', () => {
    const entry = (kind: string): HistoryEntry => ({
      id: 'e1',
      endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
      input: { prompt: 'a lighthouse' },
      source: { kind: 'prompt' },
      status: 'failed',
      requestId,
      timings: { submittedAt: 1 },
      error: { kind, message: 'm' },
    }) as HistoryEntry;
    for (const kind of ['network', 'timeout', 'unknown', 'server', 'rateLimit']) {
      assert.ok(canFollowAgain(entry(kind)), kind);
    }
    for (const kind of ['contentPolicy', 'validation', 'noVideo', 'auth', 'download', 'lost']) {
      assert.ok(!canFollowAgain(entry(kind)), kind);
    }
    assert.ok(!canFollowAgain({ ...entry('network'), requestId: undefined }), 'no request id: nothing to follow');
  });
});
