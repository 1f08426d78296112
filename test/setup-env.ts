// Every test process: UTC, quiet logs unless asked for.
process.env.TZ = 'UTC';
process.env.LOG_LEVEL ??= 'warn';
