import { NotFoundError } from './domain-error.js';
import { storeUnreachable } from './store-unreachable.js';

describe('storeUnreachable', () => {
  it('turns a refused, reset or cut connection into 503 with Retry-After, naming the cause', () => {
    const refused = storeUnreachable(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    );
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryAfterSeconds: 5 });
    expect(refused!.message).toBe(
      'a store this request needs is unreachable (ECONNREFUSED); retry shortly',
    );
    // TypeORM wraps the driver's error; PostgreSQL's own codes for a server going away.
    expect(
      storeUnreachable({
        message: 'terminating connection due to administrator command',
        driverError: { code: '57P01' },
      })?.message,
    ).toContain('(57P01)');
    expect(storeUnreachable(new Error('Connection terminated unexpectedly'))?.message).toContain(
      '(connection lost)',
    );
  });

  it('leaves every other error alone', () => {
    expect(storeUnreachable(new Error('syntax error at or near "SELEC"'))).toBeNull();
    expect(
      storeUnreachable({ message: 'duplicate key value', driverError: { code: '23505' } }),
    ).toBeNull();
    expect(storeUnreachable(new NotFoundError('event', 'x'))).toBeNull();
    expect(storeUnreachable(undefined)).toBeNull();
  });
});
