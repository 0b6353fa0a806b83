/**
 * The guideline the bundled rules encode (clinical-spec.md: GL2025, the primary source), as the
 * cards cite it and GET /rules/{id} describes it (design.md section 8). Copied from the article's
 * own front matter (seed 002): title, edition, publisher, licence.
 */
export const GUIDELINE = Object.freeze({
  /** source.label of every card (clinical-spec.md 14: readable cards). */
  label: '2025 Chinese guideline for non-surgical treatment of ONFH',
  title: 'Clinical Guideline for Non-Surgical Treatment of Osteonecrosis of the Femoral Head (2025 Edition)',
  edition: '2025',
  authors: 'Cheng Zhixiang, Ding Zheng, Wan Li, et al.; corresponding author Liu Yanqing',
  publisher: 'Science Publishing Group',
  published: '2026-04-29',
  licence: 'CC BY 4.0',
  licenceUrl: 'https://creativecommons.org/licenses/by/4.0/',
});

/** The public page of one rule set (design.md section 8): `<PUBLIC_BASE_URL>/rules/<id>`. */
export function ruleSetUrl(publicBaseUrl: string, ruleSetId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/rules/${encodeURIComponent(ruleSetId)}`;
}
