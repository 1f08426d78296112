import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DebugEventRecord } from '../../common/debug-event.js';

/**
 * Gives every event the id of its message pattern (template with the variable parts
 * masked). The ingest worker calls it before the warm write.
 * This first version masks every token that holds a digit; the template miner replaces it.
 */
@Injectable()
export class PatternService {
  async assign(events: DebugEventRecord[]): Promise<void> {
    for (const event of events) {
      const template = event.message
        .split(/\s+/)
        .map((token) => (/\d/.test(token) ? '<*>' : token))
        .join(' ');
      event.pattern_id = createHash('sha1').update(template).digest('hex').slice(0, 16);
    }
  }
}
