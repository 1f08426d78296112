import { AppConfig } from '../config/app-config.service.js';
import { validateEnvironment } from '../config/environment.js';

const configOf = (env: Record<string, string>) => new AppConfig(validateEnvironment(env));

describe('Sentry configuration', () => {
  it('reads DEBUG_SENTRY_PROJECTS as project ids with their component_type', () => {
    expect([
      ...configOf({ DEBUG_SENTRY_PROJECTS: '1=checkout-api, 2 ,30=billing' }).sentryProjects,
    ]).toEqual([
      ['1', 'checkout-api'],
      ['2', 'sentry-2'],
      ['30', 'billing'],
    ]);
    expect(configOf({}).sentryProjects.size).toBe(0);
  });

  it('keeps only id and username of a user unless told otherwise', () => {
    expect(configOf({}).sentryUserFields).toEqual(['id', 'username']);
    expect(configOf({ DEBUG_SENTRY_USER_FIELDS: 'id, email' }).sentryUserFields).toEqual([
      'id',
      'email',
    ]);
  });

  it.each([
    ['DEBUG_SENTRY_PROJECTS', 'checkout'],
    ['DEBUG_SENTRY_PROJECTS', '1=a=b'],
    ['DEBUG_SENTRY_USER_FIELDS', 'id;email'],
  ])('refuses %s=%s at start-up, naming it', (name, value) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(name);
  });
});
