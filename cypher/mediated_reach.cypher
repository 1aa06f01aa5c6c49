// name: mediated_reach
// description: >-
//   Per NGO, the villages and schools it reaches directly (WORKS_IN) and those it
//   reaches only through the state (a mobilisation chain on its behalf, as in
//   access_paths, but no WORKS_IN), with counts. NGOs that reach nothing are listed
//   with zeros.
// params:
//   ngo: {type: string, default: null, description: Only this NGO.}
//   round: {type: integer, default: null, description: Only ties (and chains) observed in this fieldwork round.}
// notes: >-
//   `reached` counts distinct villages and schools; `direct` those with a WORKS_IN tie;
//   `through_state` those at the end of a chain through the state; `both` those with
//   both; `only_through_state` those with a chain but no WORKS_IN. The id lists are sorted.
CALL {
  // The NGO from the id index when $ngo is given, else every NGO (the UNWIND keeps
  // this second branch from running when $ngo is given).
  MATCH (n:NGO {id: $ngo})
  RETURN n
  UNION ALL
  UNWIND CASE WHEN $ngo IS NULL THEN [1] ELSE [] END AS every_ngo
  MATCH (n:NGO)
  RETURN n
}
// FalkorDB treats n as unbound in a MATCH right after a CALL with UNION: WITH first.
WITH n
OPTIONAL MATCH p = (n)-[:WORKS_IN|COOPERATES_WITH|MOBILIZES*1..7]->(t)
WHERE (t:Village OR t:School)
  AND ALL(r IN tail(relationships(p)) WHERE r.on_behalf_of = n.id AND r.round = head(relationships(p)).round)
  AND ($round IS NULL OR head(relationships(p)).round = $round)
WITH n, t,
  count(CASE WHEN length(p) = 1 THEN 1 END) > 0 AS is_direct,
  count(CASE WHEN length(p) > 1 THEN 1 END) > 0 AS is_state
ORDER BY n.id, t.id
WITH n,
  count(t) AS reached,
  count(CASE WHEN is_direct THEN 1 END) AS direct,
  count(CASE WHEN is_state THEN 1 END) AS through_state,
  count(CASE WHEN is_direct AND is_state THEN 1 END) AS both,
  count(CASE WHEN is_state AND NOT is_direct THEN 1 END) AS only_through_state,
  collect(CASE WHEN is_direct THEN t.id END) AS direct_targets,
  collect(CASE WHEN is_state AND NOT is_direct THEN t.id END) AS only_through_state_targets
RETURN n.id AS ngo, n.name AS name, n.province AS province,
  reached, direct, through_state, both, only_through_state, direct_targets, only_through_state_targets
ORDER BY ngo
