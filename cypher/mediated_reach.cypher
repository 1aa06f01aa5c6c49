// name: mediated_reach
// description: >-
//   Per NGO, the villages and schools it reaches directly (WORKS_IN) and those it
//   reaches only through the state (a chain on its behalf, as in access_paths, but no
//   WORKS_IN), with counts and a status: `reaches`, `not applicable` (it reaches no
//   village or school, e.g. an urban NGO), or with a round `not observed` (no tie of
//   that round touches the NGO: no one revisited it, so its counts are empty, not 0).
// page: {key: ngo, unless: [ngo], label: NGO}
// params:
//   ngo: {type: string, default: null, description: Only this NGO.}
//   round: {type: integer, default: null, description: Only ties (and chains) observed in this fieldwork round.}
// notes: >-
//   `reached` counts distinct villages and schools; `direct` those with a WORKS_IN tie;
//   `through_state` those at the end of a chain through the state; `both` those with
//   both; `only_through_state` those with a chain but no WORKS_IN. The id lists are
//   sorted. Chains follow graphmodel/chains.py and rounds graphmodel/temporal.py (a
//   node is observed in a round when a tie of that round, interviews included, touches it).
// the NGO $ngo, or else the NGOs of this run (a window of the page): n
{{ngo_or_page}}
OPTIONAL MATCH (n)-[q]-(y)
WHERE ($round IS NULL OR q.round = $round) AND NOT y:Staged AND {{recorded(q)}}
WITH n, count(q) > 0 AS observed
// the chains, kept as derived REACHES ties by every load (graphmodel/engine/derived.py)
OPTIONAL MATCH {{reaches}}
WHERE $round IS NULL OR c.round = $round
WITH n, observed, t,
  count(CASE WHEN c.route = 'direct' THEN 1 END) > 0 AS is_direct,
  count(CASE WHEN c.route = 'state' THEN 1 END) > 0 AS is_state
ORDER BY n.id, t.id
WITH n, observed,
  count(t) AS reached,
  count(CASE WHEN is_direct THEN 1 END) AS direct,
  count(CASE WHEN is_state THEN 1 END) AS through_state,
  count(CASE WHEN is_direct AND is_state THEN 1 END) AS both,
  count(CASE WHEN is_state AND NOT is_direct THEN 1 END) AS only_through_state,
  collect(CASE WHEN is_direct THEN t.id END) AS direct_targets,
  collect(CASE WHEN is_state AND NOT is_direct THEN t.id END) AS only_through_state_targets
RETURN n.id AS ngo, n.name AS name, n.province AS province,
  CASE WHEN NOT observed THEN 'not observed' WHEN reached = 0 THEN 'not applicable' ELSE 'reaches' END AS status,
  CASE WHEN observed THEN reached END AS reached, CASE WHEN observed THEN direct END AS direct,
  CASE WHEN observed THEN through_state END AS through_state, CASE WHEN observed THEN both END AS both,
  CASE WHEN observed THEN only_through_state END AS only_through_state,
  CASE WHEN observed THEN direct_targets END AS direct_targets,
  CASE WHEN observed THEN only_through_state_targets END AS only_through_state_targets
ORDER BY ngo
