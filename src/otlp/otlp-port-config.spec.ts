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

describe('OTLP_GRPC_PORT', () => {
  it('defaults to 4317, the OTLP/gRPC port collectors use; 0 turns the listener off', () => {
    expect(new AppConfig(validateEnvironment({})).otlpGrpcPort).toBe(4317);
    expect(new AppConfig(validateEnvironment({ OTLP_GRPC_PORT: '0' })).otlpGrpcPort).toBe(0);
  });

  it.each(['-1', '65536', 'grpc'])('refuses %s, naming the variable', (value) => {
    expect(() => validateEnvironment({ OTLP_GRPC_PORT: value })).toThrow(/OTLP_GRPC_PORT/);
  });

  it('refuses the main port and the OTLP/HTTP port: gRPC needs a listener of its own', () => {
    expect(() => validateEnvironment({ PORT: '4317' })).toThrow(
      /OTLP_GRPC_PORT=4317: must differ from PORT and OTLP_HTTP_PORT/,
    );
    expect(() => validateEnvironment({ OTLP_HTTP_PORT: '4317' })).toThrow(ConfigValidationError);
    expect(
      validateEnvironment({ OTLP_HTTP_PORT: '4317', OTLP_GRPC_PORT: '0' }).OTLP_HTTP_PORT,
    ).toBe(4317);
  });
});
