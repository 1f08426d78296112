import { Injectable } from '@nestjs/common';

/**
 * The time as the service sees it. Everything that decides by age (retention, tier
 * migration, "past warm retention" in queries) asks this instead of `new Date()`, so a
 * test can stand at "8 days later" by providing a `ManualClock` in its place.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that stands still until moved (tests; `overrideProvider(Clock).useValue(...)`). */
export class ManualClock extends Clock {
  private current: number;

  constructor(start: Date | number = Date.now()) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  override now(): Date {
    return new Date(this.current);
  }

  set(at: Date | number): void {
    this.current = typeof at === 'number' ? at : at.getTime();
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}
