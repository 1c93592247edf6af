import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { editorWithSelection, freshState, generateFromSelection, imitation, submits, TEST_KEY, waitFor, withSettings } from './support';
import type { FaultSpec } from '../fal-imitation/types';

/** A local port nothing listens on (one just let go of). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const PROMPT = 'a lighthouse in a storm, waves crashing, dramatic sky';

interface ErrorCase {
  name: string;
  fault?: FaultSpec;
  key?: string;
  settings?: Record<string, unknown>;
  kind: string;
  message: RegExp;
  actions: string[];
  /** How many submits fal must have received. */
  submits?: number;
}

const CASES: ErrorCase[] = [
  {
    name: '401 wrong key',
    key: 'revoked-key-id:revoked-secret-123456',
    kind: 'auth',
    message: /fal rejected the API key \(401\).*No user found/,
    actions: ['Set API Key', 'Open Log'],
  },
  {
    name: '403 exhausted balance',
    fault: { at: 'submit', kind: 'http', status: 403 },
    kind: 'balance',
    message: /balance is exhausted.*Top up/,
    actions: ['Open Billing', 'Retry'],
  },
  {
    name: '422 field errors',
    fault: { at: 'result', kind: 'http', status: 422, body: { detail: [{ loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', type: 'less_than_equal' }] } },
    kind: 'validation',
    message: /rejected the parameters \(422\) — num_frames: Input should be less than or equal to 32/,
    actions: ['Open Settings', 'Open Log'],
  },
  {
    name: '429 rate limit (after the client\'s own retries)',
    fault: { at: 'submit', kind: 'http', status: 429, times: 10 },
    kind: 'rateLimit',
    message: /rate-limiting.*Wait a moment/,
    actions: ['Retry', 'Open Log'],
  },
  {
    name: '500 server error',
    fault: { at: 'submit', kind: 'http', status: 500 },
    kind: 'server',
    message: /server problem \(500 Internal Server Error\).*retry/,
    actions: ['Retry', 'Open Log'],
  },
  {
    name: 'network failure before anything was sent',
    // A proxy where nothing listens: the connection is refused, so fal cannot have the job and Retry is safe.
    settings: { proxyUrl: 'closed port' },
    kind: 'network',
    message: /Could not reach the team proxy \(ECONNREFUSED\)\. Check the animateDiff\.proxyUrl setting and your connection, then retry/,
    actions: ['Retry', 'Open Log'],
    submits: 0,
  },
  {
    name: 'a connection broken after the submit was sent',
    fault: { at: 'submit', kind: 'drop', times: 10 },
    kind: 'ambiguous',
    message: /fal may have started this job.*not sent again: retrying may charge twice/,
    actions: ['Open fal Dashboard', 'Retry (may charge again)', 'Open Log'],
    submits: 1,
  },
  {
    name: 'timeout',
    fault: { at: 'submit', kind: 'neverFinish' },
    settings: { requestTimeoutSeconds: 10 },
    kind: 'timeout',
    // fal had accepted the job: it may have made the video, which Check fal Again gets at no new charge.
    message: /No result from fal after 10 s.*animateDiff\.requestTimeoutSeconds.*fal had accepted this job \(request [\w-]+\).*Check fal Again/,
    actions: ['Open fal Dashboard', 'Retry (may charge again)', 'Open Settings'],
  },
  {
    name: 'a result with no video',
    fault: { at: 'result', kind: 'noVideo' },
    kind: 'noVideo',
    message: /returned no video/,
    actions: ['Retry', 'Open Log'],
  },
];

describe('errors become one clear message with the right actions', () => {
  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const hooks = await freshState({ key: testCase.key ?? TEST_KEY });
      await imitation().configure({ rejectedKeys: ['revoked-key-id'] });
      if (testCase.fault) {
        await imitation().addFault(testCase.fault);
      }
      await editorWithSelection(`prompt: ${PROMPT}`, PROMPT);
      const settings = testCase.settings?.proxyUrl === 'closed port' ? { ...testCase.settings, proxyUrl: `http://127.0.0.1:${await closedPort()}` } : testCase.settings;
      const outcome = await withSettings(settings ?? {}, () => generateFromSelection());
      assert.equal(outcome.kind, 'failed');
      assert.equal(outcome.failure.kind, testCase.kind);
      const errors = hooks.interaction.shown.filter((m) => m.kind === 'error');
      assert.equal(errors.length, 1, 'exactly one message');
      assert.match(errors[0].message, testCase.message);
      assert.deepEqual(errors[0].actions, testCase.actions);
      if (testCase.submits !== undefined) {
        assert.equal((await submits()).length, testCase.submits, 'a submit fal may have received is never sent again');
      }
      const secret = (testCase.key ?? TEST_KEY).split(':')[1];
      assert.ok(!errors[0].message.includes(secret), 'the key never appears in a message');
    });
  }

  it('Retry re-sends exactly the same request', async () => {
    const hooks = await freshState();
    await imitation().addFault({ at: 'submit', kind: 'http', status: 500 });
    hooks.interaction.script(/server problem/, 'Retry');
    await editorWithSelection(`prompt: ${PROMPT}`, PROMPT);
    const outcome = await withSettings({ 'defaults.seed': 4242 }, () => generateFromSelection());
    assert.equal(outcome.kind, 'failed');
    await waitFor(async () => (await imitation().jobs()).some((j) => j.status === 'COMPLETED' && j.videoUrl !== null), 'the retried job to finish');
    const sent = await submits();
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1].body, sent[0].body);
    assert.equal((sent[0].body as { seed: number }).seed, 4242);
  });
});
