import { spanOperation, templatedPath } from './span-operation.js';

describe('span operation', () => {
  it('names a span called by its HTTP method alone after its route, template or masked path', () => {
    expect(spanOperation('GET', { 'http.method': 'GET', 'http.route': '/exports/:id' })).toBe(
      'GET /exports/:id',
    );
    expect(
      spanOperation('POST', { 'http.request.method': 'POST', 'url.template': '/v1/messages' }),
    ).toBe('POST /v1/messages');
    // old conventions, a bare http server: the request target, query dropped, ids masked
    expect(
      spanOperation('GET', { 'http.method': 'GET', 'http.target': '/exports/8812/status?full=1' }),
    ).toBe('GET /exports/{id}/status');
    // new conventions: url.path; a client with only the full URL
    expect(
      spanOperation('DELETE', {
        'http.request.method': 'DELETE',
        'url.path': '/rooms/3f2b8c1e-9a7d-4e55-8b1f-0c2d3e4f5a6b/members/u-20931',
      }),
    ).toBe('DELETE /rooms/{id}/members/{id}');
    expect(
      spanOperation('HTTP GET', {
        'http.method': 'GET',
        'http.url': 'https://scanner.internal:8443/scan/77?x=1',
      }),
    ).toBe('HTTP GET /scan/{id}');
    expect(spanOperation('_OTHER', { 'http.request.method': '_OTHER', 'url.path': '/x' })).toBe(
      '_OTHER /x',
    );
  });

  it('leaves a span that has a name of its own, or no HTTP method, or no target, as it is', () => {
    expect(
      spanOperation('GET /exports/:id', { 'http.method': 'GET', 'http.route': '/exports/:id' }),
    ).toBe('GET /exports/:id');
    expect(spanOperation('export.render', { 'http.route': '/exports/:id' })).toBe('export.render');
    expect(spanOperation('GET', { 'http.method': 'GET' })).toBe('GET');
    expect(spanOperation('GET', { 'http.method': 'GET', 'http.url': 'not a url' })).toBe('GET');
    // a span named GET that is not the request's method is a name, not a method
    expect(spanOperation('GET', { 'http.method': 'POST', 'url.path': '/x' })).toBe('GET');
  });

  it('masks the segments that name one item, not the ones that name a resource', () => {
    expect(templatedPath('/api/v2/users/42/orders/ord-2024-0077')).toBe(
      '/api/v2/users/{id}/orders/{id}',
    );
    expect(templatedPath('/oauth2/token')).toBe('/oauth2/token');
    expect(templatedPath('/s3/buckets/logs')).toBe('/s3/buckets/logs');
    expect(templatedPath('/blobs/a9f3c0de77b1e2d4')).toBe('/blobs/{id}');
    expect(templatedPath('/sessions/Zk3uQpL9aXwTnB7r')).toBe('/sessions/{id}');
    expect(templatedPath('/')).toBe('/');
    // prefixed random ids (acc_…, cus_…) with one digit or none
    expect(templatedPath('/accounts/acc_okmftbc5sk/balance')).toBe('/accounts/{id}/balance');
    expect(templatedPath('/customers/cus_NffrFeUfNV2Hib')).toBe('/customers/{id}');
    expect(templatedPath('/users/user_settings')).toBe('/users/user_settings');
    expect(templatedPath('/oauth2/token_exchange')).toBe('/oauth2/token_exchange');
  });
});
