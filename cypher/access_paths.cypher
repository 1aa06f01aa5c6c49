// name: access_paths
// description: >-
//   For one NGO, every chain by which it reaches a village or school: directly
//   (WORKS_IN), or through the state (the NGO COOPERATES_WITH an agency, from which
//   MOBILIZES ties on the NGO's behalf, completed where needed by the administrative
//   line of SUPERVISES ties, lead down to the village or school). One row per chain
//   per fieldwork round, with the bodies and their levels in order, the interviews
//   behind each tie, and all of them together.
// params:
//   ngo: {type: string, required: true, description: Id of the NGO (e.g. ngo-y01).}
//   round: {type: integer, default: null, description: Only chains observed in this fieldwork round.}
// notes: >-
//   The chain is the one definition of graphmodel/chains.py (the `{{chain_path}}` and
//   `{{chain_where}}` fragments): every MOBILIZES tie in it serves this NGO
//   (`on_behalf_of`) and was observed in the round of the COOPERATES_WITH tie at its
//   head; SUPERVISES ties (any round) may complete the line between them; the last tie
//   is a MOBILIZES tie into the village or school; at most 7 ties in all. `tie_evidence`
//   lists, tie by tie, the type and its interviews; `evidence` is their union in chain
//   order; `types` the tie types in order. Paths through the same bodies in the same
//   round are one chain: the one with the fewest SUPERVISES steps (then the first by
//   its types), so a line both mobilised and supervised is listed once.
MATCH (n:NGO {id: $ngo})
WITH n
MATCH {{chain_path}}
WHERE {{chain_where}}
  AND ($round IS NULL OR head(relationships(p)).round = $round)
WITH p, {{chain_key}} AS key
ORDER BY key, {{chain_preference}}
WITH key, collect(p)[0] AS p
WITH p, last(nodes(p)) AS t, relationships(p) AS ties, nodes(p)[1..-1] AS agencies
RETURN head(ties).round AS round,
  t.id AS target, t.name AS target_name, labels(t)[0] AS target_label,
  CASE WHEN size(ties) = 1 THEN 'direct' ELSE 'state' END AS route,
  reduce(s = '', x IN nodes(p) | s + CASE WHEN s = '' THEN '' ELSE ' > ' END + x.id) AS chain,
  [a IN agencies | a.id] AS agencies,
  [a IN agencies | a.level] AS levels,
  [a IN agencies | a.system] AS systems,
  [r IN ties | type(r)] AS types,
  [r IN ties | type(r) + ': ' + reduce(s = '', e IN r.evidence | s + CASE WHEN s = '' THEN '' ELSE ';' END + e)]
    AS tie_evidence,
  reduce(acc = [], r IN ties | acc + [e IN r.evidence WHERE NOT e IN acc]) AS evidence
ORDER BY round, target, size(agencies), chain
