// name: trust_by_group
// description: >-
//   By province, registration or issue area: how many NGOs rest their trust on state
//   ties (have a trust source), how many met distrust, and how the distrust episodes
//   ended (after a state tie, without one, or not at all), with how many NGOs met
//   formalistic compliance.
// params:
//   by: {type: string, default: null, choices: [province, registration, issue_area], description: Split the NGOs into groups by this property.}
//   basis: {type: string, default: null, choices: [stated, illustrative], description: Only sources and stances with this basis.}
// notes: >-
//   Sources and the `starts_by` rule as in trust_trajectory. An episode `ended_after_state`
//   when it has an end and a source at its place (or without a place) may have started
//   by that end; `ended_without_state` when it has an end and no such source;
//   `unresolved` when it has no end. Counts of episodes are ties, counts of NGOs distinct NGOs.
CALL {
  // One row per NGO, one per NGO with a trust source (a match per kind of source over the
  // graph, not a look per NGO), one per distrust episode that ended after a source at its
  // place (only episodes with an end read their sources), one per distrust episode and one per
  // NGO that met formalistic compliance (each a match over the graph too): counted per NGO below.
  MATCH (n:NGO)
  RETURN n, 'ngo' AS row
  UNION ALL
  {{trust_source_ngos($basis, row)}}
  UNION ALL
  MATCH (x)-[d:DISTRUSTS]->(n:NGO)
  WHERE d.end IS NOT NULL AND ($basis IS NULL OR d.basis = $basis)
  WITH n, x, d, {{trust_sources_at(x)}} AS sources
  WHERE size([s IN sources WHERE ($basis IS NULL OR s.basis = $basis) AND (s.place IS NULL OR s.place = x.id)
    AND {{starts_by(s.start, d.end)}}]) > 0
  RETURN n, 'ended_after_state' AS row
  UNION ALL
  MATCH ()-[d:DISTRUSTS]->(n:NGO)
  WHERE $basis IS NULL OR d.basis = $basis
  RETURN n, CASE WHEN d.end IS NULL THEN 'unresolved' ELSE 'ended' END AS row
  UNION ALL
  MATCH ()-[f:ACCEPTS]->(n:NGO)
  WHERE f.kind = 'formalistic_compliance' AND ($basis IS NULL OR f.basis = $basis)
  RETURN DISTINCT n, 'formalistic' AS row
}
WITH n, count(CASE WHEN row = 'source' THEN 1 END) > 0 AS has_sources,
  count(CASE WHEN row = 'ended_after_state' THEN 1 END) AS after_state,
  count(CASE WHEN row = 'ended' THEN 1 END) AS ended, count(CASE WHEN row = 'unresolved' THEN 1 END) AS unresolved,
  count(CASE WHEN row = 'formalistic' THEN 1 END) > 0 AS formalistic
WITH n, has_sources, ended + unresolved AS episodes, after_state, ended - after_state AS without_state, unresolved,
  formalistic
WITH CASE $by
    WHEN 'province' THEN n.province
    WHEN 'registration' THEN n.registration
    WHEN 'issue_area' THEN n.issue_area
    ELSE 'all' END AS grp,
  count(n) AS ngos,
  count(CASE WHEN has_sources THEN 1 END) AS with_state_sources,
  count(CASE WHEN episodes > 0 THEN 1 END) AS met_distrust,
  toInteger(sum(episodes)) AS distrust_episodes,
  toInteger(sum(after_state)) AS ended_after_state,
  toInteger(sum(without_state)) AS ended_without_state,
  toInteger(sum(unresolved)) AS unresolved,
  count(CASE WHEN formalistic THEN 1 END) AS formalistic_compliance
RETURN grp AS group, ngos, with_state_sources, met_distrust, distrust_episodes, ended_after_state,
  ended_without_state, unresolved, formalistic_compliance
ORDER BY group
