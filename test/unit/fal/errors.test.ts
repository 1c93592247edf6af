import * as assert from 'node:assert/strict';
import { detailText, failureFromHttp, networkErrorCode, networkFailure, parseFieldErrors, timeoutFailure } from '../../../src/fal/errors';
import { actionsFor } from '../../../src/model/failure';

describe('fal error mapping', () => {
  it('401 says the key was rejected and offers Set API Key', () => {
    const failure = failureFromHttp(401, { detail: 'No user found for Key ID and Secret' });
    assert.equal(failure.kind, 'auth');
    assert.match(failure.message, /rejected the API key/);
    assert.match(failure.message, /No user found/);
    assert.deepEqual(actionsFor(failure), ['setApiKey', 'openLog']);
  });

  it('401 through a team proxy points at the proxy, not the user key', () => {
    const failure = failureFromHttp(401, { detail: 'No user found for Key ID and Secret' }, { viaProxy: true });
    assert.match(failure.message, /proxy/);
  });

  it('403 with an exhausted balance says to top up, with a billing button', () => {
    const failure = failureFromHttp(403, { detail: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.' });
    assert.equal(failure.kind, 'balance');
    assert.match(failure.message, /balance is exhausted/);
    assert.deepEqual(actionsFor(failure), ['openBilling', 'retry']);
  });

  it('422 lists each field error by field', () => {
    const body = { detail: [
      { loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', type: 'less_than_equal', ctx: { le: 32 }, input: 64 },
      { loc: ['body', 'video_size'], msg: 'Input should be square or square_hd', type: 'enum' },
    ] };
    const failure = failureFromHttp(422, body);
    assert.equal(failure.kind, 'validation');
    assert.match(failure.message, /num_frames: Input should be less than or equal to 32/);
    assert.match(failure.message, /video_size: Input should be/);
    assert.deepEqual(failure.details.fieldErrors?.map((e) => e.field), ['num_frames', 'video_size']);
    assert.deepEqual(failure.details.fieldErrors?.map((e) => e.ctx), [{ le: 32 }, undefined], 'the bound is kept for the quick fix');
    assert.ok(!actionsFor(failure).includes('retry'), 'retrying the same invalid request cannot help');
  });

  it('422 content policy violation says to rephrase the prompt', () => {
    const failure = failureFromHttp(422, { detail: [{ loc: ['body', 'prompt'], msg: 'content flagged', type: 'content_policy_violation' }] });
    assert.equal(failure.kind, 'contentPolicy');
    assert.match(failure.message, /Rephrase/);
  });

  it('422 with a plain-string detail is still shown', () => {
    const failure = failureFromHttp(422, { detail: 'prompt is too long' });
    assert.equal(failure.kind, 'validation');
    assert.match(failure.message, /prompt is too long/);
  });

  it("a gateway's HTML error page is not quoted: the status says it all", () => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>';
    for (const body of [page, `<!DOCTYPE html>\n${page}`, `\n  ${page}\n`]) {
      const failure = failureFromHttp(502, body);
      assert.equal(failure.kind, 'server');
      assert.equal(failure.details.falDetail, undefined);
      assert.doesNotMatch(failure.message, /<|fal said/);
      assert.match(failure.message, /502 Bad Gateway/);
    }
  });

  it('a long plain-text answer is quoted shortened', () => {
    const failure = failureFromHttp(500, `upstream failed: ${'x'.repeat(5000)}`);
    assert.match(failure.message, /fal said: “upstream failed: x+…”/);
    assert.ok(failure.message.length < 500, failure.message);
  });

  it('429 asks to wait and retry', () => {
    const failure = failureFromHttp(429, { detail: 'Too many requests' });
    assert.equal(failure.kind, 'rateLimit');
    assert.ok(actionsFor(failure).includes('retry'));
  });

  for (const status of [500, 502, 503]) {
    it(`${status} is a temporary server problem with Retry and Open Log`, () => {
      const failure = failureFromHttp(status, { detail: 'internal_server_error' });
      assert.equal(failure.kind, 'server');
      assert.match(failure.message, new RegExp(String(status)));
      assert.deepEqual(actionsFor(failure), ['retry', 'openLog']);
    });
  }

  it('504 is fal timing out while generating', () => {
    assert.equal(failureFromHttp(504, { detail: 'generation_timeout' }).kind, 'generationTimeout');
  });

  it('finds the system code of a fetch network error', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    assert.equal(networkErrorCode(error), 'ECONNREFUSED');
    assert.equal(networkErrorCode(new Error('something else')), undefined);
    assert.match(networkFailure('ECONNREFUSED', 'fal').message, /Could not reach fal \(ECONNREFUSED\)\. Check your internet connection/);
    assert.match(networkFailure('ECONNREFUSED', 'proxy').message, /animateDiff\.proxyUrl/);
    const sandbox = networkFailure('ECONNREFUSED', 'sandbox').message;
    assert.match(sandbox, /local fal imitation/);
    assert.doesNotMatch(sandbox, /internet/, 'the sandbox never needed the internet');
  });

  it('timeout names the setting to raise', () => {
    assert.match(timeoutFailure(300).message, /300 s.*animateDiff\.requestTimeoutSeconds/);
  });

  it('parses field errors defensively', () => {
    assert.deepEqual(parseFieldErrors('nope'), []);
    assert.deepEqual(parseFieldErrors([null, { loc: ['body'], msg: 'bad' }]).map((e) => e.field), [undefined]);
    assert.equal(detailText({ detail: [] }), undefined);
    assert.equal(detailText('  '), undefined);
  });
});
