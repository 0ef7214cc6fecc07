import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from '../../../src/controller/ledger.ts';

describe('the delivery ledger (generation bookkeeping)', () => {
  it('knows nothing at first, so a new controller asks each workflow', () => {
    expect(new DeliveryLedger().delivered('a')).toBeUndefined();
  });

  it('after a restart, trusts the memo of a running workflow', () => {
    const ledger = new DeliveryLedger();
    expect(ledger.observeWorkflow('a', { running: true, memoGeneration: 3 })).toBe(3);
    expect(ledger.delivered('a')).toBe(3);
  });

  it('a running workflow without a memo has seen nothing yet', () => {
    expect(new DeliveryLedger().observeWorkflow('a', { running: true })).toBe(0);
  });

  it('remembers what it sent, even when the memo lags behind (no worker has run yet)', () => {
    const ledger = new DeliveryLedger();
    ledger.recordDelivered('a', 2);
    ledger.unverifyAll();
    expect(ledger.delivered('a')).toBeUndefined();
    expect(ledger.observeWorkflow('a', { running: true, memoGeneration: 1 })).toBe(2);
  });

  it('a closed or missing workflow has seen nothing: the next spec starts a new run', () => {
    const ledger = new DeliveryLedger();
    ledger.recordDelivered('a', 5);
    expect(ledger.observeWorkflow('a', { running: false })).toBe(0);
  });

  it('never goes back to an older generation', () => {
    const ledger = new DeliveryLedger();
    ledger.recordDelivered('a', 4);
    ledger.recordDelivered('a', 2);
    expect(ledger.delivered('a')).toBe(4);
  });

  it('remembers the rollback request sent and the malformed one reported', () => {
    const ledger = new DeliveryLedger();
    expect(ledger.rollbacks('a')).toEqual({});
    ledger.recordRollbackSent('a', 'annotation:3');
    ledger.recordRollbackRefused('a', 'annotation:soon');
    ledger.unverifyAll();
    expect(ledger.rollbacks('a')).toEqual({ sent: 'annotation:3', refused: 'annotation:soon' });
  });

  it('forgets a rollback sent to a run that has closed: only the status says whether it was done', () => {
    const ledger = new DeliveryLedger();
    ledger.recordRollbackSent('a', 'annotation:3');
    ledger.observeWorkflow('a', { running: true });
    expect(ledger.rollbacks('a').sent).toBe('annotation:3');
    ledger.observeWorkflow('a', { running: false });
    expect(ledger.rollbacks('a').sent).toBeUndefined();
  });

  it('sends delete once per workflow run, and knows when', () => {
    const ledger = new DeliveryLedger();
    ledger.recordDeleteSignalled('a', 'run-1', 1_000);
    expect(ledger.deleteSignalledAt('a', 'run-1')).toBe(1_000);
    expect(ledger.deleteSignalledAt('a', 'run-2')).toBeUndefined();
    ledger.forget('a');
    expect(ledger.deleteSignalledAt('a', 'run-1')).toBeUndefined();
  });
});
