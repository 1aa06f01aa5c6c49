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
CALL {
  // First, per NGO, its mobilisations against the distinct mobilisations its chains through the state use
  // (from the derived ties loads keep, graphmodel/engine/derived.py; a chain's MOBILIZES ties are all on its
  // NGO's behalf): an NGO whose chains use as many as it has has no unjoined one. Read as whole-graph matches
  // (no look per NGO); usually no NGO is left for the test of each tie below.
  // With an NGO: its mobilisations from the index on on_behalf_of (a null $ngo, as '', matches none: `= null`
  // makes FalkorDB scan every MOBILIZES tie); without one, every mobilisation on an NGO's behalf (the UNWIND
  // keeps this branch from running when $ngo is given).
  MATCH ()-[m:MOBILIZES]->()
  WHERE m.on_behalf_of = coalesce($ngo, '')
  RETURN m.on_behalf_of AS ngo, m._key AS tie, true AS served
  UNION ALL
  UNWIND CASE WHEN $ngo IS NULL THEN [1] ELSE [] END AS every_ngo
  MATCH ()-[m:MOBILIZES]->()
  WHERE m.on_behalf_of IS NOT NULL
  RETURN m.on_behalf_of AS ngo, m._key AS tie, true AS served
  UNION ALL
  MATCH (n:NGO)
  WHERE n.id = coalesce($ngo, n.id)
  WITH n
  MATCH {{reaches}}
  WHERE c.route = 'state'
  UNWIND range(0, size(c.ties) - 1) AS i
  WITH n, c, i
  WHERE c.types[i] = 'MOBILIZES'
  RETURN n.id AS ngo, c.ties[i] AS tie, false AS served
}
WITH ngo, count(CASE WHEN served THEN 1 END) AS served, count(DISTINCT CASE WHEN NOT served THEN tie END) AS used
WHERE served > used
MATCH (n:NGO {id: ngo})
// its mobilisations (ties only: the ends are read for the few that no chain uses)
MATCH ()-[m:MOBILIZES]->()
WHERE m.on_behalf_of = ngo
WITH n, collect(m) AS served
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
