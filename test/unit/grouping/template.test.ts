import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidGroupName, sanitizeFragment } from '../../../shared/domain/grouping/group-name';
import {
  parseTemplate,
  patternsIntersect,
  renderTemplate,
  type Template,
  toPattern,
} from '../../../shared/domain/grouping/template';

const template = (source: string): Template => {
  const t = parseTemplate(source);
  if (typeof t === 'string') throw new Error(t);
  return t;
};

describe('sanitizeFragment()', () => {
  it('turns runs of characters AWS forbids into one dash and trims the edges', () => {
    expect(sanitizeFragment('eu west / 1')).toBe('eu-west-1');
    expect(sanitizeFragment('  Plant #7 ')).toBe('Plant-7');
    expect(sanitizeFragment('Zürich')).toBe('Zurich');
  });

  it('refuses values with no letter or digit left, so no junk group is ever named', () => {
    expect(sanitizeFragment('???')).toBeUndefined();
    expect(sanitizeFragment('---')).toBeUndefined();
    expect(sanitizeFragment('')).toBeUndefined();
  });

  it('always yields a valid group-name fragment or nothing (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        const out = sanitizeFragment(value);
        if (out === undefined) return;
        expect(/^[a-zA-Z0-9:_-]+$/.test(out)).toBe(true);
        expect(/[a-zA-Z0-9]/.test(out)).toBe(true);
      }),
    );
  });
});

describe('renderTemplate()', () => {
  const site = template('site-{region}-{site}');

  it('fills placeholders from attributes and lower-cases the name', () => {
    expect(renderTemplate(site, { attributes: { region: 'EU-West', site: 'Plant 7' } }, true)).toEqual({
      ok: true,
      name: 'site-eu-west-plant-7',
    });
  });

  it('says which placeholder is missing or unusable instead of naming a junk group', () => {
    expect(renderTemplate(site, { attributes: { region: 'eu' } }, true)).toEqual({
      ok: false,
      reason: 'missing value for {site}',
    });
    expect(renderTemplate(site, { attributes: { region: 'eu', site: '%%' } }, true)).toEqual({
      ok: false,
      reason: 'unusable value for {site}',
    });
  });

  it('uses the thing type for {thingType}', () => {
    expect(
      renderTemplate(template('type-{thingType}'), { attributes: {}, thingType: 'Sensor' }, true),
    ).toEqual({
      ok: true,
      name: 'type-sensor',
    });
  });

  it('renders only valid group names for any attribute values (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (region, s) => {
        const out = renderTemplate(site, { attributes: { region, site: s } }, true);
        if (out.ok) expect(isValidGroupName(out.name)).toBe(true);
      }),
    );
  });

  it('rejects templates with characters AWS does not allow in group names', () => {
    expect(parseTemplate('site {region}')).toMatch(/outside/);
    expect(parseTemplate('site-{region')).toMatch(/outside|unclosed/);
  });
});

describe('patternsIntersect()', () => {
  const pattern = (source: string) => toPattern(template(source), true);

  it('finds overlap between templates that can name the same group', () => {
    expect(patternsIntersect(pattern('site-{a}'), pattern('site-{b}-{c}'))).toBe(true);
    expect(patternsIntersect(pattern('{x}'), pattern('fixed'))).toBe(true);
    expect(patternsIntersect(pattern('ring-canary'), pattern('RING-CANARY'))).toBe(true);
  });

  it('sees templates whose literals can never match as disjoint', () => {
    expect(patternsIntersect(pattern('site-{a}'), pattern('model-{b}'))).toBe(false);
    expect(patternsIntersect(pattern('a-{x}-z'), pattern('a-{y}-y'))).toBe(false);
    expect(patternsIntersect(pattern('fixed'), pattern('fixed-{x}'))).toBe(false);
  });

  it('agrees with rendering: if two templates render the same name they intersect (property)', () => {
    const frag = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    fc.assert(
      fc.property(frag, frag, (v1, v2) => {
        const a = template('p-{x}');
        const b = template('p-{y}-{z}');
        const ra = renderTemplate(a, { attributes: { x: `${v1}-${v2}` } }, true);
        const rb = renderTemplate(b, { attributes: { y: v1, z: v2 } }, true);
        if (ra.ok && rb.ok && ra.name === rb.name)
          expect(patternsIntersect(toPattern(a, true), toPattern(b, true))).toBe(true);
      }),
    );
  });
});
