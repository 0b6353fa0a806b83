import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR, ConfigError, ConfigSchema, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('gives the documented defaults when the environment is empty', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.BODY_LIMIT_BYTES).toBe(5 * 1024 * 1024);
    expect(c.FHIR_TIMEOUT_MS).toBe(2000);
    expect(c.RULES_DIR).toBe(BUNDLED_RULES_DIR);
    expect(c.PUBLIC_BASE_URL).toBe('http://localhost:3000');
  });

  it('defaults AUTH_MODE to jwt in production and to none elsewhere', () => {
    const key = { PSEUDONYM_KEY: 'k'.repeat(32) }; // required in production (src/store)
    expect(loadConfig({ NODE_ENV: 'production', ...key }).AUTH_MODE).toBe('jwt');
    expect(loadConfig({ NODE_ENV: 'development' }).AUTH_MODE).toBe('none');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'none', ...key }).AUTH_MODE).toBe('none');
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ AUTH_MODE: 'maybe' })).toThrow(/AUTH_MODE: .*"jwt"/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('splits comma-separated lists and trims a trailing slash from the base URL', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://a.org, https://b.org,', PUBLIC_BASE_URL: 'https://cds.example.org/' });
    expect(c.CORS_ORIGINS).toEqual(['https://a.org', 'https://b.org']);
    expect(c.PUBLIC_BASE_URL).toBe('https://cds.example.org');
  });
});

describe('README configuration table', () => {
  it('documents every environment variable the service reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    const missing = Object.keys(ConfigSchema.in.shape).filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default, and reads true or a list of proxy addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).TRUST_PROXY).toBe('10.0.0.0/8,127.0.0.1');
  });
});
