import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/bootstrap.js';

export interface RunningApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Boots the whole service as `npm start` does and listens on a free local port. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const app = await createApp({ HOST: '127.0.0.1', ...env });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
