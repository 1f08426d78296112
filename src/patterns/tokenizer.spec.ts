import { renderTemplate, tokenize, tokenizeWithSpacing } from './tokenizer.js';

const template = (message: string) => {
  const { tokens, spaceBefore } = tokenizeWithSpacing(message);
  return renderTemplate(tokens, spaceBefore);
};

describe('tokenizer', () => {
  it.each([
    // numbers, block ids, ip:port (HDFS)
    [
      'PacketResponder 1 for block blk_38865049064139660 terminating',
      'PacketResponder <*> for block <*> terminating',
    ],
    [
      'BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864',
      'BLOCK* NameSystem.addStoredBlock: blockMap updated: <*> is added to <*> size <*>',
    ],
    // key=value with an IP, empty values kept as written (Linux)
    [
      'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4',
      'authentication failure; logname= uid=<*> euid=<*> tty=NODEVssh ruser= rhost=<*>',
    ],
    // a date spelled with month and weekday names, and an empty bracket (Linux)
    [
      'connection from 222.33.90.199 () at Mon Jun 20 03:40:59 2005',
      'connection from <*> (<*>) at <*>',
    ],
    // sizes with units are one value (Spark)
    [
      'Block broadcast_0_piece0 stored as bytes in memory (estimated size 93.0 B, free 317.1 KB)',
      'Block <*> stored as bytes in memory (estimated size <*>, free <*>)',
    ],
    // a MAC address and a dotted leader (BGL)
    [
      'New ido chip inserted into the database: FF:F2:9F:16:C4:C2:00:0D:60:E9:3B:3D ip=10.2.1.37',
      'New ido chip inserted into the database: <*> ip=<*>',
    ],
    [
      'program interrupt: illegal instruction......0',
      'program interrupt: illegal instruction......<*>',
    ],
    // quoted strings, URLs, UUIDs, hex, paths
    [
      "Successfully started service 'sparkDriver' on port 40785.",
      'Successfully started service <*> on port <*>',
    ], // the final dot goes with the number,
    ['fetch https://example.com/a/b?x=1 failed', 'fetch <*> failed'],
    ['order 0b6f6b3e-6a43-4f4e-9d3b-3c1a9e7f2d10 paid', 'order <*> paid'],
    ['bad pointer 0xdeadbeef in deadbeefcafe', 'bad pointer <*> in <*>'],
    ['could not open /var/log/app.log for writing', 'could not open <*> for writing'],
    ['Loaded C:\\Windows\\winsxs\\cbscore.dll from disk', 'Loaded <*> from disk'],
    ['request took 250ms (limit 100 ms)', 'request took <*> (limit <*>)'],
    ['lifetime <1 sec', 'lifetime <*>'],
    ['login user=\'bob\', shell="bash" ok', 'login user=<*>, shell=<*> ok'],
    [
      '10.11.10.1 "GET /v2/54fadb412c4e40cd/servers/detail HTTP/1.1" status: 200 len: 1893',
      '<*> "GET <*>" status: <*> len: <*>',
    ],
    [
      "Added global filter 'safety' (class=org.example.Filter)",
      'Added global filter <*> (class=org.example.Filter)',
    ],
  ])('%s', (message, expected) => {
    expect(template(message)).toBe(expected);
  });

  it('keeps an apostrophe inside a word (no quote)', () => {
    expect(template("jk2_init() Can't find child 1566 in scoreboard")).toBe(
      "<*>() Can't find child <*> in scoreboard",
    );
  });

  it('gives ip:port and a bare ip the same tokens', () => {
    expect(tokenize('connect to 10.0.0.1:8080 refused')).toEqual(
      tokenize('connect to 10.0.0.1 refused'),
    );
  });

  it('keeps words, including words that look like names, as they are', () => {
    expect(tokenize('Invalid user webmaster from 173.234.31.186')).toEqual([
      'Invalid',
      'user',
      'webmaster',
      'from',
      '<*>',
    ]);
  });

  it('handles an empty message', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   ')).toEqual([]);
  });
});
