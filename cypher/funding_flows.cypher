// name: funding_flows
// description: >-
//   Money reaching NGOs, by funder kind: one row per flow from a funder to an NGO,
//   directly or through a government body that receives the grant and passes it on
//   (`via`), with amounts where known and whether a joint NGO-government
//   application was required.
// page: {key: ngo, unless: [ngo], label: NGO}
// params:
//   ngo: {type: string, default: null, description: Only flows to this NGO.}
//   kind: {type: string, default: null, choices: [international_foundation, domestic_foundation, government, individual_donors, online_platform, business, agency, company], description: Only funders of this kind.}
//   through_government: {type: boolean, default: null, description: true for flows through a government body only, false for direct flows only.}
//   round: {type: integer, default: null, description: Only grants to NGOs observed in this fieldwork round.}
// notes: >-
//   `funder_kind` is the funder's `kind`; an agency or company paying from its own
//   budget has kind `agency` or `company`. When an agency that pays an NGO is itself
//   funded (FUNDS into the agency), the row names the upstream funder and the agency
//   as `via`: `amount` is what reached the NGO, `amount_to_via` what the funder paid
//   the agency. `evidence` joins both ties' interviews. Flows that end at an agency
//   are not listed. Rows are sorted by NGO (the page key), then funder kind, funder,
//   start, round and `via`.
// the NGO $ngo, or else the NGOs of this run (a window of the page): n
{{ngo_or_page}}
MATCH (src)-[g:FUNDS]->(n)
WHERE ($round IS NULL OR g.round = $round) AND NOT src:Staged
OPTIONAL MATCH (up)-[u:FUNDS]->(src:Agency)
WHERE NOT up:Staged
WITH n, g, u, coalesce(up, src) AS f, CASE WHEN up IS NULL THEN null ELSE src END AS via
WITH n, g, u, f, via, CASE WHEN f:Funder THEN f.kind WHEN f:Agency THEN 'agency' ELSE 'company' END AS funder_kind
WHERE ($kind IS NULL OR funder_kind = $kind)
  AND ($through_government IS NULL OR (via IS NOT NULL) = $through_government)
RETURN funder_kind, f.id AS funder, f.name AS funder_name, via.id AS via, via.name AS via_name,
  n.id AS ngo, n.name AS ngo_name, g.amount AS amount, g.currency AS currency,
  u.amount AS amount_to_via, u.currency AS currency_to_via,
  coalesce(u.joint_application, g.joint_application) AS joint_application,
  g.start AS start, g.end AS end, g.round AS round,
  g.evidence + [e IN coalesce(u.evidence, []) WHERE NOT e IN g.evidence] AS evidence
ORDER BY ngo, funder_kind, funder, coalesce(start, ''), round, coalesce(via, '')
