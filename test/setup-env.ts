import { Logger } from '@nestjs/common';

// Every test process: UTC, and quiet logs (warnings and errors only) unless LOG_LEVEL asks for more.
process.env.TZ = 'UTC';
process.env.LOG_LEVEL ??= 'warn';
// The OTLP listener (default 4318) stays off: test apps run side by side; a test that wants it picks a free port.
process.env.OTLP_HTTP_PORT ??= '0';
const levels = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
const upTo = levels.indexOf(process.env.LOG_LEVEL as (typeof levels)[number]);
Logger.overrideLogger(levels.slice(0, upTo >= 0 ? upTo + 1 : 3) as unknown as (typeof levels)[number][]);
