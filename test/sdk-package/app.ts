// A user's project: compiled with strict TypeScript against the installed @ai-debug/sdk tarball.
import { DebugClient, type DebugClientStats } from '@ai-debug/sdk';
import { correlationMixin } from '@ai-debug/sdk/pino';
import { DebugTransport } from '@ai-debug/sdk/winston';
import { pino } from 'pino';
import winston from 'winston';

const [baseUrl, apiKey, componentId] = process.argv.slice(2);
const client = new DebugClient({ baseUrl, apiKey, componentType: 'scratch', componentId, flushIntervalMs: 50 });

// @ts-expect-error a metric value is a number: proves the package's types are in force
client.metric('bad', 'not a number');

function parse(text: string): unknown {
  return JSON.parse(text);
}

async function main(): Promise<void> {
  client.info('scratch project started', { data: { node: process.version } });
  try {
    parse('{ not json');
  } catch (e) {
    client.error(e); // `e` is unknown under strict: error() accepts it
  }
  client.metric('scratch.runs', 1, { unit: 'count' });

  const transport = pino.transport({
    target: '@ai-debug/sdk/pino',
    options: { baseUrl, apiKey, componentType: 'scratch', componentId, flushIntervalMs: 50 },
  });
  const logger = pino({ mixin: correlationMixin }, transport);
  const winstonLogger = winston.createLogger({
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new DebugTransport({ client })],
  });

  const correlationId = await client.correlated('scratch.checkout', async () => {
    logger.info({ order: 42 }, 'pino line inside the operation');
    winstonLogger.warn('winston line inside the operation', { order: 42 });
    return client.currentCorrelationId();
  });
  logger.error(new Error('pino error line'));

  // Ending the transport delivers what its client holds; 'close' comes when its thread is done.
  await new Promise<void>((resolve) => {
    transport.once('close', () => resolve());
    transport.end();
  });
  winstonLogger.end();
  await client.close();
  const stats: DebugClientStats = client.stats();
  console.log(JSON.stringify({ correlationId, stats }));
}

void main();
