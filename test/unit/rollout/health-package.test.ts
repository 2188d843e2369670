import { describe, expect, it } from 'vitest';
import {
  packageTargets,
  packageVersionEvidence,
  packageVersionFailure,
  parsePackageVersionArn,
} from '../../../shared/domain/rollout/health-package';

const arn = (pkg: string, version: string) =>
  `arn:aws:iot:us-east-1:123456789012:package/${pkg}/version/${version}`;
const FW = arn('fw', '3.1.0');
const CFG = arn('cfg', '7');

describe('package version ARNs', () => {
  it('reads the package and version a package version ARN names', () => {
    // Act
    const target = parsePackageVersionArn(arn('fw-main_1.x', '3.1.0-rc.1'));

    // Assess
    expect(target).toEqual({ packageName: 'fw-main_1.x', versionName: '3.1.0-rc.1' });
  });

  it.each([
    ['a package ARN without a version', 'arn:aws:iot:us-east-1:123456789012:package/fw'],
    ['another service', 'arn:aws:s3:us-east-1:123456789012:package/fw/version/3.1.0'],
    ['an account that is not 12 digits', 'arn:aws:iot:us-east-1:1234:package/fw/version/3.1.0'],
    ['a version name with a slash', 'arn:aws:iot:us-east-1:123456789012:package/fw/version/3/1'],
    ['a version name over 64 characters', arn('fw', 'v'.repeat(65))],
  ])('refuses %s', (_why, text) => {
    // Act
    const target = parsePackageVersionArn(text);

    // Assess
    expect(target).toBeUndefined();
  });

  it('lists the targets by package name, whatever order the plan gives them in', () => {
    // Act
    const targets = packageTargets([FW, CFG]);

    // Assess
    expect(targets.map((t) => t.packageName)).toEqual(['cfg', 'fw']);
  });
});

describe('packageVersionFailure', () => {
  const targets = packageTargets([FW, CFG]);

  it('passes a shadow that reports the target version of every package, attributes and other packages aside', () => {
    // Prepare
    const reported = {
      fw: { version: '3.1.0', attributes: { s3: 'x' } },
      cfg: { version: '7' },
      other: { version: '1' },
    };

    // Act
    const failure = packageVersionFailure(targets, { reported });

    // Assess
    expect(failure).toBeUndefined();
  });

  it('names the package whose version differs, with the version it reports', () => {
    // Act
    const failure = packageVersionFailure(targets, {
      reported: { fw: { version: '2.4.1' }, cfg: { version: '7' } },
    });

    // Assess
    expect(failure).toBe('reports 2.4.1 for package fw, expected 3.1.0');
  });

  it('fails a package the shadow does not hold at all', () => {
    // Act
    const failure = packageVersionFailure(targets, { reported: { fw: { version: '3.1.0' } } });

    // Assess
    expect(failure).toBe('reports no version for package cfg, expected 7');
  });

  it.each([
    ['a null version', { version: null }],
    ['an entry without a version', { attributes: {} }],
    ['an entry that is not an object', '3.1.0'],
  ])('fails %s as no version', (_why, entry) => {
    // Act
    const failure = packageVersionFailure(packageTargets([FW]), { reported: { fw: entry } });

    // Assess
    expect(failure).toBe('reports no version for package fw, expected 3.1.0');
  });

  it('fails a thing without a $package shadow', () => {
    // Act
    const failure = packageVersionFailure(targets, undefined);

    // Assess
    expect(failure).toMatch(/^no \$package shadow/);
  });

  it('fails a shadow without reported state', () => {
    // Act
    const failure = packageVersionFailure(packageTargets([FW]), {});

    // Assess
    expect(failure).toBe('reports no version for package fw, expected 3.1.0');
  });

  it('does not find a package on Object.prototype', () => {
    // Prepare
    const constructorPkg = packageTargets([arn('constructor', '1')]);

    // Act
    const failure = packageVersionFailure(constructorPkg, { reported: {} });

    // Assess
    expect(failure).toBe('reports no version for package constructor, expected 1');
  });

  it('quotes and clips what a device wrote when it is not a version name, so it cannot forge a line', () => {
    // Act
    const failure = packageVersionFailure(packageTargets([FW]), {
      reported: { fw: { version: `3.1.0\nfw ok${'x'.repeat(200)}` } },
    });

    // Assess
    expect(failure).toMatch(/^reports "3\.1\.0\\nfw okx+… for package fw, expected 3\.1\.0$/);
    expect(failure).not.toContain('\n');
  });

  it('fails a number the device wrote: a version name is a string', () => {
    // Act
    const failure = packageVersionFailure(packageTargets([arn('fw', '3')]), {
      reported: { fw: { version: 3 } },
    });

    // Assess
    expect(failure).toBe('reports 3 (not a string) for package fw, expected 3');
  });

  it('passes anything for a stage without package versions', () => {
    // Act
    const failure = packageVersionFailure([], undefined);

    // Assess
    expect(failure).toBeUndefined();
  });
});

describe('packageVersionEvidence', () => {
  it('says what a matching shadow reports', () => {
    // Act
    const evidence = packageVersionEvidence(packageTargets([FW, CFG]));

    // Assess
    expect(evidence).toBe('reports 7 for package cfg, 3.1.0 for package fw');
  });
});
