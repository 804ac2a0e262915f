import { readFileSync } from 'node:fs';
import { allOperations } from '@desk-onvif/onvif-soap';

/** The README's Operations table names every operation a camera answers, in its service's row. */
describe('README: Operations', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Operations'),
    readme.indexOf('\n## ', readme.indexOf('## Operations') + 1),
  );
  const row = (service: string) => section.split('\n').find((l) => l.startsWith(`| ${service} (`)) ?? '';

  it.each(allOperations().map((op) => [op.service, op.name] as const))('%s %s', (service, name) => {
    expect(row(service)).toContain(`\`${name}\``);
  });
});
