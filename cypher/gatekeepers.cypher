// name: gatekeepers
// description: >-
//   Bodies ranked by how many distinct NGO-village (or school) pairs the chains
//   through the state pass them for: the access a department, mass organisation or
//   village committee stands between. With the chains behind those pairs and the
//   NGOs and villages or schools they serve.
// params:
//   round: {type: integer, default: null, description: Only chains observed in this fieldwork round.}
//   limit: {type: integer, default: 20, description: How many bodies to list.}
// notes: >-
//   Chains are those of access_paths (route `state`, the one chain definition of
//   graphmodel/chains.py), SUPERVISES steps included, read from the derived REACHES ties
//   that loads keep, one per chain (graphmodel/engine/derived.py). `pairs` counts each NGO and
//   village or school once however many chains join them through the body (parallel
//   heads, several rounds), so a body is not ranked up because an NGO works with two
//   departments of one line; `chains` counts the chains (one per round and path of bodies). The body at the head of a
//   chain (the one the NGO cooperates with) counts as well as every body below it.
//   `sector` is `state`, or `self_governing` for village committees (schema.yaml's
//   `sector_by`); the access metrics rank state bodies only (see docs/metrics.md).
//   Ties in the ranking are broken by NGOs, then villages and schools, then id.
MATCH (n:NGO)
WITH n
MATCH {{reaches}}
WHERE c.route = 'state' AND ($round IS NULL OR c.round = $round)
UNWIND c.bodies AS body
// ranked by the bodies' ids first, so only the listed bodies are looked up; the NGOs, places and pairs are
// counted by internal ids (a pair as one integer, below 2^31 nodes): hashing 3 million built strings and nodes
// was two thirds of the query at the national size
WITH body, count(DISTINCT c.chain) AS chains, count(DISTINCT id(n) * 4294967296 + id(t)) AS pairs,
  count(DISTINCT id(n)) AS ngos, count(DISTINCT id(t)) AS targets
ORDER BY pairs DESC, ngos DESC, targets DESC, body
LIMIT $limit
MATCH (a:Agency {id: body})
RETURN a.id AS agency, a.name AS name, a.system AS system, a.level AS level, {{agency_sector(a)}} AS sector,
  pairs, chains, ngos, targets
ORDER BY pairs DESC, ngos DESC, targets DESC, agency
