import type { DebugEventRecord, InsightType } from '../../src/common/debug-event.js';
import { newId } from '../../src/common/ids.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import {
  assignPatterns,
  componentRef as c,
  type EventSpec,
  Random,
  scenarioEvent,
} from './scenario-generator.js';

/**
 * A media pipeline unlike the shop of scenario-generator.ts: an upload api takes videos and
 * images, a job queue hands videos to transcoder workers, an image resizer and a thumbnailer do
 * their parts, an object store keeps the results and a notifier tells the owner. Six hours, the
 * last one with incidents. Deterministic for a seed.
 *
 * Traffic (none of it carries a phase field):
 *  - videos (marker-free, ~1.5 a minute, in batches now and then): accept-upload → enqueue-job →
 *    transcode (a queue wait of seconds and a transcode of about a minute) → render-thumbnails
 *    (40%) → put-object → notify-owner;
 *  - images (marker-free, ~3 a minute): accept-image → strip-metadata (25%) → scan-upload →
 *    resize → put-object, within a few seconds;
 *  - captions (marked by snake_case operation names, one every 3 minutes):
 *    captioning_started → speech_to_text → captioning_finished;
 *  - without correlation ids: a manifest compaction every 7 minutes (~50 ms), a push-token refresh,
 *    a CDN purger that sends ~130 events in one minute every 20 minutes, queue depth metrics every
 *    minute, rare known errors (store throttling, frame decode errors, aborted uploads);
 *  - clocks: the transcoders are off by −1.5 to +3 s, the other hosts by under half a second.
 */
export const MEDIA = {
  uploads: [c('upload-api', 'up-1'), c('upload-api', 'up-2')],
  queue: c('job-queue', 'queue-1'),
  transcoders: [
    c('transcoder', 'tx-1'),
    c('transcoder', 'tx-2'),
    c('transcoder', 'tx-3'),
    c('transcoder', 'tx-4'),
  ],
  resizers: [c('image-resizer', 'resize-1'), c('image-resizer', 'resize-2')],
  thumbnailer: c('thumbnailer', 'thumb-1'),
  store: c('object-store', 'store-1'),
  notifier: c('notifier', 'notify-1'),
  captions: [c('caption-worker', 'cap-1'), c('caption-worker', 'cap-2')],
  purger: c('cdn-purger', 'purge-1'),
};

/** Clock error of each host (ms added to the timestamps it writes). */
const SKEW: Record<string, number> = {
  'up-1': 0,
  'up-2': 300,
  'queue-1': -200,
  'tx-1': 2500,
  'tx-2': -1500,
  'tx-3': 0,
  'tx-4': 3000,
  'resize-1': 200,
  'resize-2': -400,
  'thumb-1': 100,
  'store-1': 400,
  'notify-1': -300,
  'cap-1': 0,
  'cap-2': 250,
  'purge-1': 0,
};

/**
 * The kind of a chain is its first step by timestamp: the queue's clock is 200 ms behind the upload
 * api's and it enqueues within 200 ms, so every video chain looks as if it began at the queue.
 */
export const VIDEO_KIND = 'job-queue enqueue-job';
export const IMAGE_KIND = 'upload-api accept-image';

export interface MediaIncident {
  name: string;
  expected: { type: InsightType; kind: string };
  /** The component the finding must name first. */
  component: ComponentRef;
  /** Propagation: the components in the order the error reached them. */
  path?: string[];
  /** Learned flows: the kind, the step (stopped at or skipped) and its operation. */
  flowKind?: string;
  operation?: string;
  correlationIds: string[];
  eventIds: string[];
}

export interface MediaScenario {
  now: Date;
  normalScopeEnds: Date[];
  events: DebugEventRecord[];
  incidents: MediaIncident[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export function buildMediaPipeline(
  options: { now?: Date; seed?: number; incidents?: boolean } = {},
): MediaScenario {
  const now = Math.floor((options.now ?? new Date()).getTime() / MINUTE) * MINUTE;
  const start = now - 6 * HOUR;
  const random = new Random(options.seed ?? 11);
  const withIncidents = options.incidents !== false;
  const events: DebugEventRecord[] = [];
  const emit = (spec: EventSpec): DebugEventRecord => {
    const at = Math.min(spec.at + (SKEW[spec.component.component_id] ?? 0), now - 1);
    const event = scenarioEvent(spec, new Date(at));
    events.push(event);
    return event;
  };
  const cid = (prefix: string, at: number) => `${prefix}-${newId(new Date(at)).slice(-12)}`;
  const storeKey = () =>
    `media/${random.int(1000, 9999)}/${random.pick(['1080p', '720p', '480p'])}.mp4`;

  type VideoEnd = 'normal' | 'after-transcode' | 'bad-format' | 'store-failure';
  const video = (
    at: number,
    end: VideoEnd = 'normal',
    transcoder = random.pick(MEDIA.transcoders),
  ) => {
    const job = random.int(100_000, 999_999);
    const correlationId = cid('vid', at);
    const upload = random.pick(MEDIA.uploads);
    const accepted = emit({
      at,
      component: upload,
      message: `upload ${job} accepted (${random.int(20, 900)} MB, ${random.pick(['mp4', 'mov', 'mkv'])})`,
      correlationId,
      operation: 'accept-upload',
      durationMs: random.duration(120, 0.4),
    });
    let t = at + random.int(30, 200);
    const enqueued = emit({
      at: t,
      component: MEDIA.queue,
      message: `job ${job} enqueued on ${random.pick(['standard', 'priority'])} (depth ${random.int(0, 40)})`,
      correlationId,
      parentEventId: accepted.id,
      operation: 'enqueue-job',
      durationMs: random.duration(4, 0.3),
    });
    const transcodeMs = random.duration(45_000, 0.5);
    t += random.duration(8_000, 0.7) + transcodeMs;
    if (end === 'bad-format') {
      const failed = emit({
        at: t - transcodeMs + 800,
        component: transcoder,
        message: `unsupported pixel format yuv444p12le in input stream 0 of job ${job}`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: enqueued.id,
        operation: 'transcode',
      });
      return { correlationId, ids: [failed.id] };
    }
    const transcoded = emit({
      at: t,
      component: transcoder,
      message: `job ${job} transcoded to ${random.int(2, 5)} renditions`,
      correlationId,
      parentEventId: enqueued.id,
      operation: 'transcode',
      durationMs: transcodeMs,
    });
    if (end === 'after-transcode') return { correlationId, ids: [accepted.id, transcoded.id] };
    if (end === 'store-failure') {
      // the store refuses the output; the transcoder gives up; the queue dead-letters the job
      const root = emit({
        at: t + 40,
        component: MEDIA.store,
        message: `put ${storeKey()} failed: quota exceeded on volume vol-${random.int(1, 8)}`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: transcoded.id,
        operation: 'put-object',
      });
      const gaveUp = emit({
        at: t + 45,
        component: transcoder,
        message: `job ${job} failed: could not upload output`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: root.id,
        operation: 'transcode',
      });
      const dead = emit({
        at: t + 60,
        component: MEDIA.queue,
        message: `job ${job} moved to dead-letter queue after 3 attempts`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: gaveUp.id,
        operation: 'enqueue-job',
      });
      return { correlationId, ids: [root.id, gaveUp.id, dead.id] };
    }
    if (random.next() < 0.4) {
      t += random.duration(3_000, 0.4);
      emit({
        at: t,
        component: MEDIA.thumbnailer,
        message: `rendered ${random.int(3, 12)} thumbnails for job ${job}`,
        correlationId,
        parentEventId: transcoded.id,
        operation: 'render-thumbnails',
        durationMs: random.duration(900, 0.4),
      });
    }
    t += random.duration(1_500, 0.5);
    emit({
      at: t,
      component: MEDIA.store,
      message: `stored ${storeKey()} (${random.int(5, 400)} MB)`,
      correlationId,
      parentEventId: transcoded.id,
      operation: 'put-object',
      durationMs: random.duration(300, 0.5),
    });
    t += random.duration(600, 0.6);
    emit({
      at: t,
      component: MEDIA.notifier,
      message: `owner ${random.int(1, 20_000)} notified: job ${job} ready via ${random.pick(['email', 'push', 'webhook'])}`,
      correlationId,
      operation: 'notify-owner',
      durationMs: random.duration(60, 0.5),
    });
    return { correlationId, ids: [accepted.id] };
  };

  const image = (at: number, skipScan = false) => {
    const name = `img_${random.int(10_000, 99_999)}`;
    const correlationId = cid('img', at);
    const upload = random.pick(MEDIA.uploads);
    emit({
      at,
      component: upload,
      message: `image ${name}.jpg accepted (${random.int(40, 9000)} KB)`,
      correlationId,
      operation: 'accept-image',
      durationMs: random.duration(25, 0.4),
    });
    let t = at;
    if (random.next() < 0.25) {
      t += random.int(20, 150);
      emit({
        at: t,
        component: upload,
        message: `stripped ${random.int(2, 30)} metadata fields from ${name}.jpg`,
        correlationId,
        operation: 'strip-metadata',
        durationMs: random.duration(8, 0.4),
      });
    }
    if (!skipScan) {
      t += random.int(100, 600);
      emit({
        at: t,
        component: upload,
        message: `scan of ${name}.jpg clean (engine ${random.pick(['1.4.2', '1.4.3'])})`,
        correlationId,
        operation: 'scan-upload',
        durationMs: random.duration(90, 0.4),
      });
    }
    t += random.duration(1_200, 0.5);
    emit({
      at: t,
      component: random.pick(MEDIA.resizers),
      message: `resized ${name}.jpg to ${random.int(3, 6)} sizes`,
      correlationId,
      operation: 'resize',
      durationMs: random.duration(180, 0.4),
    });
    t += random.duration(700, 0.5);
    const stored = emit({
      at: t,
      component: MEDIA.store,
      message: `stored images/${name}/set.zip (${random.int(50, 4000)} KB)`,
      correlationId,
      operation: 'put-object',
      durationMs: random.duration(80, 0.5),
    });
    return { correlationId, lastId: stored.id };
  };

  const caption = (at: number, stuck = false) => {
    const job = random.int(1000, 9999);
    const worker = random.pick(MEDIA.captions);
    const correlationId = cid('cap', at);
    const started = emit({
      at,
      component: worker,
      message: `captioning job ${job} for ${random.pick(['en', 'de', 'fr', 'es'])}`,
      correlationId,
      operation: 'captioning_started',
    });
    let t = at + random.duration(15_000, 0.5);
    emit({
      at: t,
      component: worker,
      message: `transcribed ${random.int(30, 3600)} s of audio for job ${job}`,
      correlationId,
      operation: 'speech_to_text',
      durationMs: random.duration(12_000, 0.5),
    });
    if (!stuck) {
      t += random.duration(2_000, 0.4);
      emit({
        at: t,
        component: worker,
        message: `captions for job ${job} written (${random.int(20, 900)} cues)`,
        correlationId,
        operation: 'captioning_finished',
      });
    }
    return { correlationId, id: started.id };
  };

  // about one batch import an hour: 3–5 minutes at 4× the video rate
  let batchUntil = 0;
  for (let minute = start; minute < now; minute += MINUTE) {
    const index = (minute - start) / MINUTE;
    if (minute >= batchUntil && random.next() < 1 / 60)
      batchUntil = minute + random.int(3, 5) * MINUTE;
    const videoRate = 1.5 * (minute < batchUntil ? 4 : 1);
    for (let n = random.poisson(videoRate); n > 0; n--) video(minute + random.int(0, 58_000));
    for (let n = random.poisson(3); n > 0; n--) image(minute + random.int(0, 58_000));
    if (index % 3 === 1) caption(minute + random.int(0, 50_000));
    emit({
      at: minute + random.int(0, 2_000),
      component: MEDIA.queue,
      message: `queue depth standard=${random.int(0, 40)} priority=${random.int(0, 6)}`,
      eventType: 'metric',
      level: 'debug',
    });
    if (index % 20 === 13) {
      for (let n = 110 + random.int(0, 40); n > 0; n--)
        emit({
          at: minute + random.int(0, 59_000),
          component: MEDIA.purger,
          message: `purged /media/${random.int(1000, 9999)}/* from ${random.int(20, 60)} edges`,
        });
    }
    if (index % 15 === 4)
      emit({
        at: minute + random.int(0, 50_000),
        component: MEDIA.notifier,
        message: `push token pool refreshed (${random.int(100, 900)} tokens)`,
        operation: 'refresh-push-tokens',
        durationMs: random.duration(300, 0.5),
      });
    if (random.next() < 0.1)
      emit({
        at: minute + random.int(0, 59_000),
        component: MEDIA.store,
        message: `SlowDown: please reduce your request rate (bucket media-${random.int(1, 4)})`,
        level: 'error',
        eventType: 'error',
      });
    if (random.next() < 0.05)
      emit({
        at: minute + random.int(0, 59_000),
        component: random.pick(MEDIA.transcoders),
        message: `frame decode error at pts ${random.int(1000, 900_000)}, frame skipped`,
        level: 'error',
        eventType: 'error',
      });
    if (random.next() < 0.2)
      emit({
        at: minute + random.int(0, 59_000),
        component: random.pick(MEDIA.uploads),
        message: `client 10.0.${random.int(0, 255)}.${random.int(1, 254)} aborted upload after ${random.int(1, 800)} MB`,
        level: 'warning',
      });
  }

  // a separate stream for the sparse job, so the incidents do not change the traffic above
  const sparse = new Random((options.seed ?? 11) + 500);
  const slowFrom = withIncidents ? now - 20 * MINUTE : Infinity;
  const slowIds: string[] = [];
  for (let minute = start; minute < now; minute += MINUTE) {
    if (((minute - start) / MINUTE) % 7 !== 2) continue;
    const slow = minute >= slowFrom;
    const compaction = emit({
      at: minute + sparse.int(0, 50_000),
      component: MEDIA.store,
      message: `manifest of bucket media-${sparse.int(1, 4)} compacted (${sparse.int(100, 5000)} entries)`,
      operation: 'compact-manifest',
      durationMs: slow ? 4000 + sparse.int(0, 4000) : sparse.duration(50, 0.3),
    });
    if (slow) slowIds.push(compaction.id);
  }

  const incidents: MediaIncident[] = [];
  if (withIncidents) {
    const at = (minutesBeforeNow: number) => now - minutesBeforeNow * MINUTE;
    const burst: string[] = [];
    for (let minute = 35; minute > 30; minute--)
      for (let n = 0; n < 12; n++)
        burst.push(
          emit({
            at: at(minute) + random.int(0, 59_000),
            component: MEDIA.store,
            message: `SlowDown: please reduce your request rate (bucket media-${random.int(1, 4)})`,
            level: 'error',
            eventType: 'error',
          }).id,
        );
    incidents.push({
      name: 'store_throttling_burst',
      expected: { type: 'error', kind: 'burst' },
      component: MEDIA.store,
      correlationIds: [],
      eventIds: burst,
    });

    const badFormat = [0, 1, 2, 3, 4, 5].map((n) =>
      video(at(16) + n * 30_000, 'bad-format', MEDIA.transcoders[2]),
    );
    incidents.push({
      name: 'new_pixel_format_error',
      expected: { type: 'error', kind: 'new_pattern' },
      component: MEDIA.transcoders[2],
      correlationIds: badFormat.map((flow) => flow.correlationId),
      eventIds: badFormat.flatMap((flow) => flow.ids),
    });

    incidents.push({
      name: 'slow_manifest_compaction',
      expected: { type: 'performance', kind: 'regression' },
      component: MEDIA.store,
      operation: 'compact-manifest',
      correlationIds: [],
      eventIds: slowIds,
    });

    const stuckCaptions = [0, 1, 2].map((n) => caption(at(40) + n * 60_000, true));
    incidents.push({
      name: 'stuck_captioning',
      expected: { type: 'flow', kind: 'stuck_flow' },
      component: MEDIA.captions[0],
      operation: 'speech_to_text',
      correlationIds: stuckCaptions.map((flow) => flow.correlationId),
      eventIds: stuckCaptions.map((flow) => flow.id),
    });

    const stuckVideos = [0, 1, 2, 3].map((n) => video(at(30) + n * 40_000, 'after-transcode'));
    incidents.push({
      name: 'videos_stuck_after_transcode',
      expected: { type: 'flow', kind: 'stuck_flow' },
      component: MEDIA.transcoders[0],
      flowKind: VIDEO_KIND,
      operation: 'transcode',
      correlationIds: stuckVideos.map((flow) => flow.correlationId),
      eventIds: stuckVideos.flatMap((flow) => flow.ids),
    });

    const unscanned = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => image(at(50) + n * 4 * MINUTE, true));
    incidents.push({
      name: 'images_without_scan',
      expected: { type: 'flow', kind: 'broken_flow' },
      component: MEDIA.uploads[0],
      flowKind: IMAGE_KIND,
      operation: 'scan-upload',
      correlationIds: unscanned.map((flow) => flow.correlationId),
      eventIds: unscanned.map((flow) => flow.lastId),
    });

    const failures = [0, 1, 2, 3, 4].map((n) =>
      video(at(12) + n * 20_000, 'store-failure', MEDIA.transcoders[1]),
    );
    incidents.push({
      name: 'store_quota_propagation',
      expected: { type: 'flow', kind: 'error_propagation' },
      component: MEDIA.store,
      path: ['store-1', 'tx-2', 'queue-1'],
      correlationIds: failures.map((flow) => flow.correlationId),
      eventIds: failures.flatMap((flow) => flow.ids),
    });
  }

  assignPatterns(events);
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  return {
    now: new Date(now),
    normalScopeEnds: [now - 2 * HOUR, now - HOUR].map((at) => new Date(at)),
    events,
    incidents,
  };
}
