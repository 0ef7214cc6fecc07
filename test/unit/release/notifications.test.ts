import { describe, expect, it } from 'vitest';
import { cloudEventType, headline, redact, renderNotification } from '../../../src/domain/notify/payloads.ts';
import {
  failureStreak,
  notificationOf,
  notificationsFor,
  notificationWorkflowId,
  sinkWants,
} from '../../../src/domain/release/notifications.ts';
import { ReleaseState } from '../../../src/domain/release/state.ts';
import type { TransitionRecord } from '../../../src/domain/release/records.ts';
import type { ReleasePhase } from '../../../src/domain/api/index.ts';

const ref = { namespace: 'shop', name: 'web', uid: '6f1c0d2e-0000-4000-8000-000000000001' };
const at = '2026-11-26T15:00:00.000Z';
const step = (from: ReleasePhase, to: ReleasePhase): TransitionRecord => ({ at, from, to, reason: 'R', message: 'm' });

describe('which notifications a phase change sends', () => {
  it.each([
    ['Pending', 'Progressing', ['RolloutStarted']],
    ['Ready', 'Progressing', ['RolloutStarted']],
    ['Progressing', 'Ready', ['RolloutSucceeded']],
    ['Progressing', 'RollingBack', ['RollbackStarted']],
    ['Ready', 'RollingBack', ['RollbackStarted']],
    ['RollingBack', 'Ready', ['RollbackFinished']],
    ['RollingBack', 'Failed', ['RollbackFinished', 'ReleaseFailed']],
    ['Progressing', 'Failed', ['ReleaseFailed']],
  ] as const)('%s → %s sends %j', (from, to, types) => {
    expect(notificationsFor(step(from, to), [step(from, to)], 3)).toEqual(types);
  });

  it('says a Release fails repeatedly once, when the streak reaches the threshold', () => {
    const history = [step('Progressing', 'Ready')];
    const sent: string[][] = [];
    for (let i = 0; i < 4; i++) {
      history.push(step('Ready', 'Progressing'), step('Progressing', 'Failed'));
      sent.push(notificationsFor(step('Progressing', 'Failed'), history, 3));
    }
    expect(sent.map((types) => types.includes('RolloutFailedRepeatedly'))).toEqual([false, false, true, false]);
    expect(failureStreak([...history, step('Failed', 'Progressing'), step('Progressing', 'Ready')])).toBe(0);
  });
});

describe('a notification', () => {
  const state = ReleaseState.initial(ref, 'release/shop/web/uid');
  state.data.generation = 4;
  state.data.currentRevision = 3;
  state.data.stableRevision = 2;
  state.data.lastRollback = {
    id: 'rb-1234abcd',
    fromRevision: 3,
    toRevision: 2,
    reason: 'x',
    trigger: 'Automatic',
    time: at,
  };
  const run = '0a1b2c3d-5e6f-4000-8000-000000000002';
  const transition = { ...step('Progressing', 'RollingBack'), message: 'rollback rb-1234abcd: revision 3 → 2' };
  const n = notificationOf('RollbackStarted', state.data, transition, { key: 'event-7', run });

  it('has an id stable for its occurrence, which is also its delivery workflow id', () => {
    expect(n.id).toBe(`${ref.uid}.0a1b2c3d.event-7.RollbackStarted`);
    // A workflow started anew for the Release counts its transitions from 1 again: another id.
    expect(
      notificationOf('RollbackStarted', state.data, transition, { key: 'event-7', run: 'ffffffff-1111' }).id,
    ).not.toBe(n.id);
    expect(notificationOf('RollbackStarted', state.data, transition, { key: 'event-7', run }).id).toBe(n.id);
    expect(notificationOf('RollbackStarted', state.data, transition, { key: 'event-8', run }).id).not.toBe(n.id);
    expect(notificationWorkflowId(n)).toBe(`notify/${n.id}`);
  });

  it('names the rollback it is about', () => {
    expect(n).toMatchObject({
      type: 'RollbackStarted',
      release: ref,
      phase: 'RollingBack',
      revision: 3,
      stableRevision: 2,
      generation: 4,
      rollback: { id: 'rb-1234abcd', fromRevision: 3, toRevision: 2, trigger: 'Automatic' },
    });
    expect(notificationOf('RolloutStarted', state.data, transition, { key: 'event-7', run }).rollback).toBeUndefined();
  });

  it('as a webhook is the notification as JSON, with its id as the Idempotency-Key', () => {
    const { headers, body } = renderNotification('Webhook', n);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': n.id,
      'x-rollguard-event-id': n.id,
      'x-rollguard-event-type': 'RollbackStarted',
    });
    expect(JSON.parse(body)).toEqual(n);
  });

  it('for Slack is one line of text naming the Release and what happened', () => {
    const body = JSON.parse(renderNotification('Slack', n).body) as { text: string };
    expect(body).toEqual({ text: `:rewind: ${headline(n)}` });
    expect(body.text).toBe(
      ':rewind: Release shop/web: rollback started (revision 3): rollback rb-1234abcd: revision 3 → 2',
    );
  });

  it('as a CloudEvent is a structured-mode CloudEvents 1.0 event', () => {
    const { headers, body } = renderNotification('CloudEvents', n);
    expect(headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(body)).toEqual({
      specversion: '1.0',
      id: n.id,
      source: '/apis/rollguard.dev/v1alpha1/namespaces/shop/releases/web',
      type: 'dev.rollguard.release.rollback-started',
      subject: 'web',
      time: at,
      datacontenttype: 'application/json',
      data: n,
    });
    expect(cloudEventType('RolloutFailedRepeatedly')).toBe('dev.rollguard.release.rollout-failed-repeatedly');
  });

  it('reaches a sink that lists its type, or lists none', () => {
    const sink = {
      name: 's',
      type: 'Webhook',
      urlFrom: { secretKeyRef: { name: 'a', key: 'b' } },
      timeout: '1s',
      retries: 0,
    } as const;
    expect(sinkWants(sink, 'RollbackStarted')).toBe(true);
    expect(sinkWants({ ...sink, events: ['ReleaseFailed'] }, 'RollbackStarted')).toBe(false);
  });
});

describe('what a failed delivery may say', () => {
  const url = 'https://hooks.slack.example/services/T000/B000/XXXXsecretXXXX';

  it('never holds a secret: the URL, its path, or a token, however the error quoted it', () => {
    const secrets = [url, '/services/T000/B000/XXXXsecretXXXX', 'Bearer tok-123'];
    const said = redact(
      `POST ${url} failed; path /services/T000/B000/XXXXsecretXXXX answered 500 to Bearer tok-123`,
      secrets,
    );
    expect(said).toBe('POST [redacted] failed; path [redacted] answered 500 to [redacted]');
    for (const secret of secrets) expect(said).not.toContain(secret);
  });

  it('catches a value quoted percent-encoded', () => {
    expect(redact('GET /a%20b', ['/a b'])).toBe('GET [redacted]');
  });
});
