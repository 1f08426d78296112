import request from 'supertest';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import {
  assignPatterns,
  componentRef as c,
  insertScenario,
  scenarioEvent,
} from './scenarios/scenario-generator.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const MINUTE = 60_000;
const claims = c('claims-service', 'claims-1');
const catalog = c('catalog-sync', 'sync-1');

/**
 * Earlier operations as a store holds them: 9 claims that ended at "claim N rejected: …" (nothing
 * after it), 3 that were approved and paid (another message); 8 catalog syncs that waited 20-28 minutes between
 * "started" and "finished". Then the operations asked about: a claim rejected 3 minutes ago, and
 * a sync started 6 minutes ago.
 */
function history(now: number): DebugEventRecord[] {
  const events: DebugEventRecord[] = [];
  const emit = (correlationId: string, at: number, operation: string, message: string) =>
    events.push(
      scenarioEvent(
        {
          component: operation.includes('sync') ? catalog : claims,
          operation,
          message,
          correlationId,
        },
        new Date(at),
      ),
    );
  for (let index = 0; index < 12; index++) {
    const id = `claim-${100 + index}`;
    const at = now - (90 - index * 5) * MINUTE;
    emit(id, at, 'submit-claim', `claim ${100 + index} submitted by member ${7000 + index}`);
    if (index % 4 === 3) {
      emit(id, at + 4000, 'review-claim', `claim ${100 + index} approved for ${120 + index} EUR`);
      emit(id, at + 9000, 'pay-claim', `claim ${100 + index} paid to account ****${1000 + index}`);
    } else
      emit(
        id,
        at + 4000,
        'review-claim',
        `claim ${100 + index} rejected: policy ${500 + index} lapsed`,
      );
  }
  emit('claim-200', now - 3 * MINUTE - 4000, 'submit-claim', 'claim 200 submitted by member 7300');
  emit('claim-200', now - 3 * MINUTE, 'review-claim', 'claim 200 rejected: policy 733 lapsed');
  for (let index = 0; index < 8; index++) {
    const id = `sync-${index}`;
    const at = now - (300 - index * 30) * MINUTE;
    emit(id, at, 'catalog-sync', `catalog sync started for feed ${40 + index}`);
    emit(
      id,
      at + (20 + index) * MINUTE,
      'catalog-sync',
      `catalog sync finished for feed ${40 + index}: ${1200 + index} items`,
    );
  }
  emit('sync-now', now - 6 * MINUTE, 'catalog-sync', 'catalog sync started for feed 99');
  assignPatterns(events);
  return events;
}

function suite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`operation progress read against earlier operations (${mode})`, () => {
    let running: RunningApp;
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const progress = async (id: string) =>
      (await request(running.url).get(`/api/debug/operations/${id}`).expect(200)).body;

    beforeAll(async () => {
      running = await startApp(await env());
      await insertScenario(running.app.get(DataSource), { events: history(now), snapshots: [] });
    }, 120_000);
    afterAll(async () => running?.close());

    it('completes an operation stopped at a message that ended most earlier ones (a rejected claim)', async () => {
      const claim = await progress('claim-200');
      expect(claim.status).toBe('completed');
      expect(claim.history).toMatchObject({ operations: 9, ended_there: 9 });
      expect(claim.stuck.reason).toMatch(/ended 9 of the 9 earlier operations/);
    });

    it('waits as long as earlier operations waited after the same message (a catalog sync)', async () => {
      const sync = await progress('sync-now');
      expect(sync.status).toBe('in_progress');
      expect(sync.history).toMatchObject({
        operations: 8,
        ended_there: 0,
        longest_wait_ms: 27 * MINUTE,
      });
      expect(sync.stuck.threshold_ms).toBe(54 * MINUTE);
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  suite('PostgreSQL', async () => ({ ...(await fullModeEnv()), DEBUG_REDIS_ENABLED: 'false' }));
});
suite('SQLite', async () => embeddedEnv());
