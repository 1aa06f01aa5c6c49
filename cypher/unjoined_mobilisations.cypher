// name: unjoined_mobilisations
// description: >-
//   MOBILIZES ties recorded on an NGO's behalf that no access chain of that NGO uses:
//   no department it cooperates with (in the tie's round) leads to them through
//   mobilisation or supervision, or they lead to no village or school. These are the
//   warnings graphmodel.chains.unjoined_mobilisations gives; nothing is dropped silently.
// params:
//   ngo: {type: string, default: null, description: Only mobilisations on this NGO's behalf.}
// notes: >-
//   Chains as in access_paths (graphmodel/chains.py). `reason` is `no_head` when no
//   department the NGO cooperates with in that round reaches the tie's source through
//   MOBILIZES ties on its behalf of that round or SUPERVISES ties, else `no_target`.
MATCH (a)-[served:MOBILIZES]->(b)
WHERE ($ngo IS NULL OR served.on_behalf_of = $ngo) AND NOT a:Staged AND NOT b:Staged
WITH DISTINCT served.on_behalf_of AS ngo
MATCH (n:NGO {id: ngo})
OPTIONAL MATCH {{chain_path}}
WHERE {{state_chain}}
UNWIND CASE WHEN p IS NULL THEN [null] ELSE relationships(p) END AS r
WITH n, collect(DISTINCT id(r)) AS used
MATCH (x)-[m:MOBILIZES]->(y)
WHERE m.on_behalf_of = n.id AND NOT id(m) IN used AND NOT x:Staged AND NOT y:Staged
OPTIONAL MATCH up = (n)-[h:COOPERATES_WITH]->(:Agency)-[:MOBILIZES|SUPERVISES*0..5]->(x)
WHERE h.round = m.round
  AND ALL(r IN tail(relationships(up)) WHERE type(r) = 'SUPERVISES' OR (r.on_behalf_of = n.id AND r.round = m.round))
WITH n, x, m, y, count(up) AS heads
RETURN n.id AS ngo, x.id AS source, x.name AS source_name, y.id AS target, y.name AS target_name, m.round AS round,
  m.start AS start, m.evidence AS evidence, CASE WHEN heads > 0 THEN 'no_target' ELSE 'no_head' END AS reason
ORDER BY ngo, round, source, target
