// name: access_paths
// description: >-
//   For one NGO, every chain by which it reaches a village or school: directly
//   (WORKS_IN), or through the state (the NGO COOPERATES_WITH an agency, which
//   MOBILIZES lower bodies on the NGO's behalf down to the village or school). One row
//   per chain per fieldwork round, with the departments and their levels in order,
//   the interviews behind each tie, and all of them together.
// params:
//   ngo: {type: string, required: true, description: Id of the NGO (e.g. ngo-y01).}
//   round: {type: integer, default: null, description: Only chains observed in this fieldwork round.}
// notes: >-
//   A chain through the state counts only if every MOBILIZES tie in it serves this NGO
//   (`on_behalf_of`) and all its ties, the COOPERATES_WITH tie at its head included,
//   were observed in the same round; it is at most 6 MOBILIZES ties long. `tie_evidence`
//   lists, tie by tie, the type and its interviews; `evidence` is their union in chain order.
MATCH p = (n:NGO {id: $ngo})-[:WORKS_IN|COOPERATES_WITH|MOBILIZES*1..7]->(t)
WHERE (t:Village OR t:School)
  AND ALL(r IN tail(relationships(p)) WHERE r.on_behalf_of = n.id AND r.round = head(relationships(p)).round)
  AND ($round IS NULL OR head(relationships(p)).round = $round)
WITH p, t, relationships(p) AS ties, nodes(p)[1..-1] AS agencies
RETURN head(ties).round AS round,
  t.id AS target, t.name AS target_name, labels(t)[0] AS target_label,
  CASE WHEN size(ties) = 1 THEN 'direct' ELSE 'state' END AS route,
  reduce(s = '', x IN nodes(p) | s + CASE WHEN s = '' THEN '' ELSE ' > ' END + x.id) AS chain,
  [a IN agencies | a.id] AS agencies,
  [a IN agencies | a.level] AS levels,
  [a IN agencies | a.system] AS systems,
  [r IN ties | type(r) + ': ' + reduce(s = '', e IN r.evidence | s + CASE WHEN s = '' THEN '' ELSE ';' END + e)]
    AS tie_evidence,
  reduce(acc = [], r IN ties | acc + [e IN r.evidence WHERE NOT e IN acc]) AS evidence
ORDER BY round, target, size(agencies), chain
