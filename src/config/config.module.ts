import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, ENVIRONMENT } from './app-config.service.js';
import type { EnvironmentVariables } from './environment.js';

/** Provides the validated environment (see AppModule.forRoot) as the typed AppConfig. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: EnvironmentVariables): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: ENVIRONMENT, useValue: env }, AppConfig],
      exports: [AppConfig],
    };
  }
}
