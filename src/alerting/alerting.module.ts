import { Module } from '@nestjs/common';
import { InsightsModule } from '../insights/insights.module.js';
import { AlertConditionsService } from './alert-conditions.service.js';
import { AlertDeliveryService } from './alert-delivery.service.js';
import { AlertEvaluatorService } from './alert-evaluator.service.js';
import { AlertSignalsRepository } from './alert-signals.repository.js';
import { AlertRepository } from './alert.repository.js';
import { AlertingController } from './alerting.controller.js';
import { AlertingProcessor } from './alerting.processor.js';
import { AlertingService } from './alerting.service.js';

/** Alert rules over insights, patterns, metrics, silence and stuck flows, notified durably (webhook, Slack, Alertmanager, e-mail). */
@Module({
  imports: [InsightsModule],
  controllers: [AlertingController],
  providers: [
    AlertRepository,
    AlertSignalsRepository,
    AlertConditionsService,
    AlertDeliveryService,
    AlertEvaluatorService,
    AlertingProcessor,
    AlertingService,
  ],
  exports: [AlertingService],
})
export class AlertingModule {}
