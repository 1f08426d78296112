import { keyOfDsn, sentryKeyOf } from './sentry-auth.js';

describe('Sentry authentication', () => {
  it('reads sentry_key from X-Sentry-Auth, Authorization: Sentry, then the query', () => {
    expect(
      sentryKeyOf(
        {
          'x-sentry-auth':
            'Sentry sentry_version=7, sentry_client=raven/1, sentry_key=abc_123, sentry_secret=s',
        },
        {},
      ),
    ).toBe('abc_123');
    expect(sentryKeyOf({ authorization: 'Sentry sentry_key=from_auth,sentry_version=7' }, {})).toBe(
      'from_auth',
    );
    expect(
      sentryKeyOf({ authorization: 'Bearer not-a-dsn-key' }, { sentry_key: 'from_query' }),
    ).toBe('from_query');
    expect(sentryKeyOf({ 'x-sentry-auth': 'Sentry sentry_version=7' }, {})).toBeUndefined();
    expect(sentryKeyOf({}, { sentry_key: ['a', 'b'] })).toBeUndefined();
  });

  it('reads the public key and project of a DSN', () => {
    expect(keyOfDsn('https://public_key@errors.example.com:3000/42')).toEqual({
      key: 'public_key',
      projectId: '42',
    });
    expect(keyOfDsn('http://k@host/path/7')).toEqual({ key: 'k', projectId: '7' });
    expect(keyOfDsn('not a dsn')).toEqual({});
    expect(keyOfDsn(42)).toEqual({});
  });
});
