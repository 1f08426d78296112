import { AppConfig } from '../config/app-config.service.js';
import { ConfigValidationError, validateEnvironment } from '../config/environment.js';

describe('OTLP_HTTP_PORT', () => {
  it('defaults to 4318, the OTLP/HTTP port collectors use; 0 turns the listener off', () => {
    expect(new AppConfig(validateEnvironment({})).otlpHttpPort).toBe(4318);
    expect(new AppConfig(validateEnvironment({ OTLP_HTTP_PORT: '0' })).otlpHttpPort).toBe(0);
    expect(new AppConfig(validateEnvironment({ OTLP_HTTP_PORT: '14318' })).otlpHttpPort).toBe(
      14318,
    );
  });

  it.each(['-1', '65536', 'otlp', '43.18'])('refuses %s, naming the variable', (value) => {
    expect(() => validateEnvironment({ OTLP_HTTP_PORT: value })).toThrow(/OTLP_HTTP_PORT/);
  });

  it('refuses the main port: the main port serves /v1/* already', () => {
    expect(() => validateEnvironment({ PORT: '4318' })).toThrow(ConfigValidationError);
    expect(() => validateEnvironment({ PORT: '4318' })).toThrow(
      /OTLP_HTTP_PORT=4318: must differ from PORT/,
    );
    expect(validateEnvironment({ PORT: '4318', OTLP_HTTP_PORT: '0' }).PORT).toBe(4318);
  });
});
