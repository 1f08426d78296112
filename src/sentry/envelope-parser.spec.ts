import { itemJson, parseEnvelope } from './envelope-parser.js';

const lines = (...parts: string[]) => Buffer.from(parts.join('\n'));

describe('parseEnvelope', () => {
  it('reads the header and items, with and without a length, binary payloads holding newlines included', () => {
    const binary = 'a\nb\nc';
    const envelope = parseEnvelope(
      lines(
        '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}',
        '{"type":"event"}',
        '{"message":"hi"}',
        `{"type":"attachment","length":${binary.length}}`,
        binary,
        '{"type":"log"}',
        '{"items":[]}',
        '',
      ),
    );
    expect(envelope.headers).toEqual({ event_id: '9ec79c33ec9942ab8353589fcb2e04dc' });
    expect(envelope.items.map((item) => [item.index, item.type, item.payload.toString()])).toEqual([
      [0, 'event', '{"message":"hi"}'],
      [1, 'attachment', binary],
      [2, 'log', '{"items":[]}'],
    ]);
    expect(itemJson(envelope.items[0])).toEqual({ message: 'hi' });
  });

  it('takes a length-delimited last item with no newline after it, and an envelope of only a header', () => {
    const envelope = parseEnvelope(Buffer.from('{}\n{"type":"event","length":2}\n{}'));
    expect(envelope.items[0].payload.toString()).toBe('{}');
    expect(parseEnvelope(Buffer.from('{}')).items).toEqual([]);
  });

  it('counts the length in bytes, not characters', () => {
    const payload = '{"m":"ü€"}';
    const envelope = parseEnvelope(
      Buffer.from(
        `{}\n{"type":"event","length":${Buffer.byteLength(payload)}}\n${payload}\n{"type":"log"}\n{}`,
      ),
    );
    expect(envelope.items.map((item) => item.payload.toString())).toEqual([payload, '{}']);
  });

  it.each([
    ['not json\n{"type":"event"}\n{}', 'the envelope header is not valid JSON'],
    ['[]', 'the envelope header must be a JSON object'],
    ['{}\n{"type":"event"}\n{}\n{"length":2}\n{}', 'item 1: the header has no "type"'],
    ['{}\n{"type":"event"', 'item 0: its header is not valid JSON'],
    [
      '{}\n{"type":"attachment","length":100}\nshort',
      'item 0 (attachment): "length" says 100 bytes but only 5 follow',
    ],
    [
      '{}\n{"type":"attachment","length":-1}\n',
      'item 0 (attachment): "length" must be a non-negative integer',
    ],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseEnvelope(Buffer.from(text))).toThrow(message);
  });

  it('names the item whose JSON payload is bad', () => {
    const envelope = parseEnvelope(
      Buffer.from('{}\n{"type":"event"}\n{}\n{"type":"transaction"}\n{oops'),
    );
    expect(() => itemJson(envelope.items[1])).toThrow(
      'item 1 (transaction): the payload is not valid JSON',
    );
    const array = parseEnvelope(Buffer.from('{}\n{"type":"event"}\n[1]'));
    expect(() => itemJson(array.items[0])).toThrow(
      'item 0 (event): the payload must be a JSON object',
    );
  });
});
