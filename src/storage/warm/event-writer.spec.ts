import type { DebugEventRecord } from '../../common/debug-event.js';
import { copyText } from './event-writer.js';

const event: DebugEventRecord = {
  id: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11',
  timestamp: '2026-11-24T08:15:30.123Z',
  event_type: 'log',
  level: 'info',
  component_type: 'api',
  component_id: 'a\tb',
  correlation_id: null,
  parent_event_id: null,
  operation: null,
  duration_ms: 1.5,
  message: 'line one\nline two \\ back\r',
  data: { quote: 'say "hi"\n' },
  metadata: null,
  session_id: null,
  pattern_id: 'p1',
  ingested_at: '2026-11-24T08:15:31.000Z',
};

describe('copyText', () => {
  it('writes one line per event with COPY text escapes and \\N for null', () => {
    const text = copyText([event, { ...event, duration_ms: null }]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    const columns = lines[0].split('\t');
    expect(columns).toHaveLength(16);
    expect(columns[5]).toBe('a\\tb');
    expect(columns[6]).toBe('\\N');
    expect(columns[9]).toBe('1.5');
    expect(columns[10]).toBe('line one\\nline two \\\\ back\\r');
    expect(columns[11]).toBe('{"quote":"say \\\\"hi\\\\"\\\\n"}');
    expect(lines[1].split('\t')[9]).toBe('\\N');
  });
});
