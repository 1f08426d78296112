import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { InsightsService } from '../insights/insights.service.js';
import { SessionIdParamDto } from '../sessions/dto/session.dto.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ComponentRegistry } from './component-registry.service.js';
import { GenerationResultDto } from '../insights/dto/insight-responses.dto.js';

const HOUR_MS = 3_600_000;
const MAX_SCOPE_MS = 7 * 24 * HOUR_MS;

/** Insight generation over a session's scope (its window and components). */
@ApiTags('sessions')
@Controller('sessions')
export class SessionInsightsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly registry: ComponentRegistry,
    private readonly insights: InsightsService,
  ) {}

  @Post(':id/insights/generate')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    summary: "Run the insight analyzers over a session's scope",
    description:
      "The session's window (the last hour before its end when it has none, at most 7 days) and components. " +
      'A session without component filters is made of the events that carry its id: generation then reads those ' +
      'events only, and the insights are stored under the session.',
  })
  @ApiOkResponse({ description: 'The insights created, updated and regressed (as POST /insights/generate answers)', type: GenerationResultDto })
  async generate(@Param() params: SessionIdParamDto) {
    const session = await this.sessions.get(params.id);
    const window = this.sessions.windowOf(session);
    const to = window.to ?? new Date();
    const from = new Date(Math.max(window.from?.getTime() ?? to.getTime() - HOUR_MS, to.getTime() - MAX_SCOPE_MS));
    const selectors = session.filters.components ?? [];
    if (selectors.length === 0) return this.insights.generate({ from, to, session_id: session.id });
    const components = [];
    for (const selector of selectors) {
      const resolution = await this.registry.resolve(selector);
      if (!resolution.found) continue;
      for (const component of resolution.selectors) {
        components.push(
          component.component_id === null
            ? { component_type: component.component_type }
            : { component_type: component.component_type, component_id: component.component_id },
        );
      }
    }
    if (components.length === 0) {
      throw new DomainError('NOT_FOUND', "none of the session's components has sent events", { components: selectors });
    }
    return this.insights.generate({ from, to, components });
  }
}
