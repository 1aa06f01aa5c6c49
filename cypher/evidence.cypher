// name: evidence
// description: >-
//   The interviews behind ties: one row per tie and interview it cites, with the
//   interview's date, sector, respondent role and the organisation it was held with.
//   Narrow it to one tie (source, type, target) or to all ties of one NGO.
// params:
//   ngo: {type: string, default: null, description: "Only ties of this NGO: from it, to it, or MOBILIZES ties on its behalf."}
//   source: {type: string, default: null, description: Only ties from this node id.}
//   type: {type: string, default: null, choices: [SPONSORS, APPROVES, FUNDS, MOBILIZES, SUPERVISES, COOPERATES_WITH, SUPPORTS, INSTRUCTS, INFLUENCES, REGISTERED_WITH, WORKS_IN, DISTRUSTS, ACCEPTS, VOUCHES_FOR], description: Only ties of this type.}
//   target: {type: string, default: null, description: Only ties to this node id.}
//   round: {type: integer, default: null, description: Only ties observed in this fieldwork round.}
// page: {key: source, unless: [ngo, source], anchor: source}
// notes: >-
//   With no parameter, every tie is listed. Ties from interviews themselves (WITH,
//   MENTIONS) are left out. An interview id that names no loaded interview still gets
//   a row, with empty interview columns.
CALL {
  // With an NGO: its ties out, its ties in, and MOBILIZES ties on its behalf, each
  // found from the NGO's id index (or the MOBILIZES ties) and each tie once.
  MATCH (a:NGO {id: $ngo})
  WITH a
  MATCH (a)-[r]->(b)
  WHERE NOT b:Staged AND {{recorded(r)}}
  RETURN a, r, b
  UNION ALL
  MATCH (b:NGO {id: $ngo})
  WITH b
  MATCH (a)-[r]->(b)
  WHERE NOT a:Interview AND NOT a:Staged AND a.id <> $ngo AND {{recorded(r)}}
  RETURN a, r, b
  UNION ALL
  // MOBILIZES ties on its behalf, from the index on on_behalf_of (a null $ngo matches none: as ''
  // it is looked up in the index, where `= null` makes FalkorDB scan every MOBILIZES tie, in every
  // run of a page); ends taken from the tie, since a labelled end makes FalkorDB scan the index once per node
  MATCH ()-[r:MOBILIZES]->()
  WHERE r.on_behalf_of = coalesce($ngo, '')
  WITH r, startNode(r) AS a, endNode(r) AS b
  WHERE NOT a:Staged AND NOT b:Staged AND a.id <> $ngo AND b.id <> $ngo
  RETURN a, r, b
  UNION ALL
  // Without one: the ties from the sources of this run (a window of the page), each found by
  // its internal id (the UNWIND keeps this branch from running when $ngo is given).
  UNWIND CASE WHEN $ngo IS NULL THEN [1] ELSE [] END AS everything
  {{in_page(anchor)}}
  MATCH (a)-[r]->(b)
  WHERE id(a) = anchor AND NOT a:Interview AND NOT a:Staged AND NOT b:Staged AND {{recorded(r)}}
  RETURN a, r, b
}
WITH a, r, b
WHERE ($source IS NULL OR a.id = $source)
  AND ($target IS NULL OR b.id = $target)
  AND ($type IS NULL OR type(r) = $type)
  AND ($round IS NULL OR r.round = $round)
UNWIND r.evidence AS interview
OPTIONAL MATCH (i:Interview {id: interview})
OPTIONAL MATCH (i)-[:WITH]->(o)
RETURN a.id AS source, type(r) AS type, b.id AS target, r.on_behalf_of AS on_behalf_of, r.kind AS kind,
  r.round AS round, r.start AS start, r.end AS end, interview, i.date AS date, i.round AS interview_round,
  i.sector AS sector, i.role AS role, o.id AS organization, o.name AS organization_name
ORDER BY source, type, target, round, coalesce(start, ''), coalesce(on_behalf_of, ''), coalesce(kind, ''), interview
