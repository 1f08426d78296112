import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `debug_insight_chain_minutes.kind`: the kind of chain the minute's first event would begin
 * (its component type and operation, or its service and "(trace)": kindOfChain in
 * src/insights/analyzers/flow-shapes.ts). A chain's kind is its earliest minute's, so the flow
 * analyzer shares its history of marker-free chains out by kind in SQL, and a rare kind of
 * chain is no longer crowded out of it by a busy one (docs/insights.md, flows). Rows written
 * before this migration keep NULL and count as one kind of their own (the history as it was
 * before); the history moves past them within its span, the 3 scopes before each run's scope.
 */
export class ChainMinuteKinds1765000000001 implements MigrationInterface {
  name = 'ChainMinuteKinds1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE debug_insight_chain_minutes ADD COLUMN kind varchar(400)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE debug_insight_chain_minutes DROP COLUMN kind');
  }
}
