import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { writeFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';

/**
 * With DEBUG_HEARTBEAT_FILE, rewrites that file (the time, as ISO-8601) every
 * DEBUG_HEARTBEAT_SECONDS while the database and Redis (when configured) answer. A worker
 * has no HTTP port; its container health check reads the file's age (docker-compose.yml).
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.heartbeatFile;
    if (!file) return;
    await this.beat(file);
    this.timer = setInterval(() => void this.beat(file), this.config.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async beat(file: string): Promise<void> {
    if (this.beating) return; // the previous check still waits for a store
    this.beating = true;
    try {
      await this.dataSource.query('SELECT 1');
      if (this.redis.enabled && !(await this.redis.ping())) throw new Error('Redis did not answer PING');
      await writeFile(file, `${new Date().toISOString()}\n`);
    } catch (error) {
      this.logger.warn(`heartbeat skipped (the health check will fail if this lasts): ${(error as Error).message}`);
    } finally {
      this.beating = false;
    }
  }
}
