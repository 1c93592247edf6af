import * as assert from 'node:assert/strict';
import { formatMessage, useTranslator } from '../../../../src/l10n/l10n';
import { createEntry } from '../../../../src/history/store/entry';
import { errorText } from '../../../../src/history/view/format';
import { newEntry } from '../support';

describe('history: a generation\'s error in the display language', () => {
  before(() => useTranslator({ t: (message, ...args) => formatMessage(`«${message}»`, args) }, 'ja'));
  after(() => useTranslator({ t: (message, ...args) => formatMessage(message, args) }, 'en'));

  it('a job interrupted before fal accepted it is worded now, whatever language the file was written in', () => {
    const entry = createEntry(newEntry('a fox', { status: 'failed', error: { kind: 'interrupted', message: 'written by a window in another language' } }));
    assert.equal(errorText(entry), '«VS Code closed or reloaded before fal accepted the job, so it never started.»');
  });

  it('a job fal no longer knew is worded with its request id', () => {
    const entry = createEntry(newEntry('a fox', { status: 'failed', requestId: 'req-9', error: { kind: 'lost', message: 'stored text' } }));
    assert.match(errorText(entry) ?? '', /^«fal no longer knows this job \(request req-9\)/);
  });

  it('other errors are shown as they were recorded; no error, nothing', () => {
    const failed = createEntry(newEntry('a fox', { status: 'failed', requestId: 'req-9', error: { kind: 'validation', message: 'fal rejected the parameters.' } }));
    assert.equal(errorText(failed), 'fal rejected the parameters.');
    assert.equal(errorText(createEntry(newEntry('a fox'))), undefined);
  });
});
