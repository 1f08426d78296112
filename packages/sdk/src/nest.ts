/** The NestJS logger adapter: `import { DebugLoggerService } from '@ai-debug/sdk/nest'` (needs @nestjs/common). */
export { DebugLoggerService, type DebugLoggerOptions } from './debug-logger.service.js';
