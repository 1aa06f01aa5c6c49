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
MATCH ()-[m:MOBILIZES]->()
WHERE ($ngo IS NULL OR m.on_behalf_of = $ngo) AND m.on_behalf_of IS NOT NULL
// every mobilisation on an NGO's behalf, read once and grouped by the NGO (the ties alone: the
// ends are read for the few that no chain uses)
WITH m.on_behalf_of AS ngo, collect(m) AS served
MATCH (n:NGO {id: ngo})
// the ties its chains through the state use, from the derived ties loads keep (graphmodel/engine/derived.py):
// one list per chain, each read once per NGO (a list of lists: no list of every tie is built)
WITH n, served, [{{reaches}} WHERE c.route = 'state' | c.ties] AS used
UNWIND served AS m
// (the test as a column first: FalkorDB's WHERE dropped every row with NONE(...) over a list of the same WITH)
WITH n, m, NONE(chain IN used WHERE m._key IN chain) AS unused
WHERE unused
WITH n, m, startNode(m) AS x, endNode(m) AS y
WHERE NOT x:Staged AND NOT y:Staged
OPTIONAL MATCH up = (n)-[h:COOPERATES_WITH]->(:Agency)-[:MOBILIZES|SUPERVISES*0..5]->(x)
WHERE h.round = m.round
  AND ALL(r IN tail(relationships(up)) WHERE type(r) = 'SUPERVISES' OR (r.on_behalf_of = n.id AND r.round = m.round))
WITH n, x, m, y, count(up) AS heads
RETURN n.id AS ngo, x.id AS source, x.name AS source_name, y.id AS target, y.name AS target_name, m.round AS round,
  m.start AS start, m.evidence AS evidence, CASE WHEN heads > 0 THEN 'no_target' ELSE 'no_head' END AS reason
ORDER BY ngo, round, source, target
