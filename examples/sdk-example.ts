/**
 * The client SDK end to end. Start the service (`npm start`), then `npm run example:sdk`.
 * DEBUG_URL (default http://127.0.0.1:3000) and DEBUG_API_KEY (a key with the `ingest`
 * scope, if the service has keys) point it at another service.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DebugClient } from '@ai-debug/sdk';
import { DebugLoggerService } from '@ai-debug/sdk/nest';

const client = new DebugClient({
  baseUrl: process.env.DEBUG_URL ?? 'http://127.0.0.1:3000',
  apiKey: process.env.DEBUG_API_KEY,
  componentType: 'example',
  componentId: `trip-planner-${process.pid}`,
  batchSize: 50,
  flushIntervalMs: 200,
  maxRetries: 3,
  // Flush on beforeExit; close (and deliver) on SIGTERM / Ctrl-C.
  handleProcessExit: true,
});

// What a Nest service would pass to app.useLogger(); here called directly.
const logger = new DebugLoggerService(client, { alsoConsole: true });

async function planTrip(city: string): Promise<{ weather: string; hotels: string[] }> {
  return client.correlated('plan-trip', async () => {
    logger.log(`planning a trip to ${city}`, 'TripPlanner');
    const [weather, hotels] = await Promise.all([
      client.correlated('fetch-weather', async () => {
        await delay(20);
        return 'sunny';
      }),
      client.correlated('search-hotels', async () => {
        await delay(35);
        const found = ['Alfama Inn', 'Tagus View', 'Casa Azul'];
        client.metric('hotels_found', found.length, { unit: 'hotels', tags: { city } });
        return found;
      }),
    ]);
    client.state({ city, weather, shortlist: hotels });
    client.info('trip planned', { data: { city, weather, hotels: hotels.length } });
    return { weather, hotels };
  });
}

async function book(hotel: string): Promise<void> {
  await client.correlated('book-hotel', async () => {
    await delay(10);
    throw new Error(`no rooms left at ${hotel}`);
  });
}

const plan = await planTrip('Lisbon');
const correlationId = await client.correlated('booking', async () => {
  try {
    await book(plan.hotels[0]);
  } catch (error) {
    logger.error('booking failed, trying the next hotel', (error as Error).stack, 'TripPlanner');
  }
  return client.currentCorrelationId();
});

await client.close();
const stats = client.stats();
console.warn(JSON.stringify({ booking_correlation_id: correlationId, stats }, null, 2));
const lost = stats.events.dropped + stats.metrics.dropped + stats.states.dropped;
if (lost > 0) {
  console.error(`${lost} items were not delivered: ${stats.lastError ?? 'see the warnings above'}`);
  process.exitCode = 1;
}
