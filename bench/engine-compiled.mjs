// The engine as production runs it: the tsc output in dist/ (tsx and vitest wrap every closure in
// esbuild's __name helper, which makes fact extraction look ~2x slower than it is).
//   npm run bench:engine:compiled   (builds first)
// A 300-resource patient: examples/assessment-bundle.json padded with unrelated vitals and labs.
import { readFileSync } from 'node:fs';
import { BUNDLED_RULES_DIR } from '../dist/config.js';
import { assess } from '../dist/engine/index.js';
import { extractFacts } from '../dist/facts/index.js';
import { loadRules } from '../dist/rules/index.js';

const NOW = '2026-11-21';
const bundle = JSON.parse(readFileSync(new URL('../examples/assessment-bundle.json', import.meta.url), 'utf8'));
const resources = bundle.entry.map((e) => e.resource);
const patientId = resources.find((r) => r.resourceType === 'Patient').id;
const LOINC = [['8867-4', 'Heart rate', '/min'], ['8480-6', 'Systolic blood pressure', 'mm[Hg]'], ['2345-7', 'Glucose', 'mg/dL'], ['718-7', 'Hemoglobin', 'g/dL'], ['2160-0', 'Creatinine', 'mg/dL']];
for (let i = 0; resources.length < 300; i++) {
  const [code, display, unit] = LOINC[i % LOINC.length];
  resources.push({
    resourceType: 'Observation', id: `pad-${i}`, status: 'final', subject: { reference: `Patient/${patientId}` },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: i % 2 ? 'vital-signs' : 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display }] },
    effectiveDateTime: `2026-${String(1 + (i % 10)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')}`,
    valueQuantity: { value: 50 + (i % 70), unit, system: 'http://unitsofmeasure.org', code: unit },
  });
}

const rules = await loadRules(BUNDLED_RULES_DIR);
const facts = extractFacts({ patientId, resources }, rules.valueSets, NOW);
if (!facts.inScope) throw new Error('the bench patient must be in scope');

function measure(name, f, n = 5000) {
  for (let i = 0; i < 1000; i++) f(); // warm-up: JIT
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    f();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(3);
  console.log(`${name.padEnd(34)} p50 ${q(0.5)} ms  p90 ${q(0.9)} ms  p99 ${q(0.99)} ms`);
}
console.log(`${resources.length} resources, ${facts.hips.length} hip(s); load average ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
measure('extractFacts', () => extractFacts({ patientId, resources }, rules.valueSets, NOW));
measure('assess', () => assess(facts, rules, NOW));
measure('extractFacts + assess', () => assess(extractFacts({ patientId, resources }, rules.valueSets, NOW), rules, NOW));
