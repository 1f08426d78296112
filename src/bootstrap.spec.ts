import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module.js';
import { assertSafeBinding } from './bootstrap.js';
import { AppConfig } from './config/app-config.service.js';
import { ConfigValidationError, validateEnvironment } from './config/environment.js';

const configOf = (env: Record<string, string>) => new AppConfig(validateEnvironment(env));

describe('start-up safety', () => {
  const logger = { warn: jest.fn() } as unknown as Logger;

  it('refuses to listen beyond this machine without API keys', () => {
    expect(() => assertSafeBinding(configOf({ HOST: '0.0.0.0' }), logger)).toThrow(
      /refusing to listen on 0\.0\.0\.0 without API keys/,
    );
  });

  it('listens on loopback without keys, and says so', () => {
    const warn = jest.fn();
    assertSafeBinding(configOf({}), { warn } as unknown as Logger);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('without authentication'));
  });

  it('listens anywhere with keys stored at runtime and none in DEBUG_API_KEYS', () => {
    expect(() => assertSafeBinding(configOf({ HOST: '0.0.0.0' }), logger, true)).not.toThrow();
  });

  it('listens anywhere with keys', () => {
    expect(() =>
      assertSafeBinding(configOf({ HOST: '0.0.0.0', DEBUG_API_KEYS: 'a-long-key:read' }), logger),
    ).not.toThrow();
  });

  it('stops building the application on bad configuration, naming the variable', () => {
    expect(() => AppModule.forRoot({ PORT: 'eighty', DEBUG_ROLE: 'everything' })).toThrow(
      ConfigValidationError,
    );
    try {
      AppModule.forRoot({ PORT: 'eighty', DEBUG_ROLE: 'everything' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT="eighty"/);
      expect((error as Error).message).toMatch(/DEBUG_ROLE="everything"/);
    }
  });
});
