// name: round_changes
// description: >-
//   Ties that appear or disappear between two fieldwork rounds: `appeared` if seen in
//   the given round but not the one before, `disappeared` if seen in the round before
//   but not in the given one. Narrow to one NGO, or to ties with a department of one
//   system (e.g. -p "system=Communist Party").
// params:
//   round: {type: integer, default: 2, description: The later round; it is compared with the round before it.}
//   ngo: {type: string, default: null, description: "Only ties of this NGO: from it, to it, or MOBILIZES ties on its behalf."}
//   system: {type: string, default: null, description: Only ties with an agency of this system at either end.}
// page: {key: source, unless: [ngo]}
// notes: >-
//   A tie is the same across rounds if it has the same source, type, target,
//   `on_behalf_of`, `kind` and `place`; start dates and other details may differ (the one
//   temporal rule of graphmodel/temporal.py, which as_of applies too: a disappeared tie
//   without an end is taken to have ended with the round that last saw it). A tie
//   counts as changed only if one of its ends was observed in both rounds (has any
//   tie, interviews included, in each): an absence says nothing about actors no one
//   looked at again. One row per observation of a changed tie, with its dates and
//   interviews. Ties from interviews (WITH, MENTIONS) are left out.
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
WHERE r.round IN [$round - 1, $round]
  AND ($system IS NULL OR a.system = $system OR b.system = $system)
WITH a, type(r) AS type, b, r.on_behalf_of AS on_behalf_of, r.kind AS kind, r.place AS place,
  collect(r) AS ties, min(r.round) AS seen, max(r.round) AS last
WHERE seen = last
// The ties of each end are read once (the change grouped by its ends), not once per tie there: the
// rounds that touched the end. A change is kept if the other round touched one of its ends.
WITH {a: a, type: type, b: b, on_behalf_of: on_behalf_of, kind: kind, place: place, ties: ties, seen: seen} AS change
UNWIND [change.a, change.b] AS x
WITH x, collect(change) AS changes
WITH changes, [(x)-[q]-(y) WHERE {{recorded(q)}} AND NOT y:Staged AND q.round IN [$round - 1, $round] | q.round] AS rounds
WITH changes, ($round - 1) IN rounds AS before, $round IN rounds AS now
UNWIND changes AS change
WITH change, CASE WHEN (CASE change.seen WHEN $round THEN before ELSE now END) THEN 1 ELSE 0 END AS looked
WITH id(head(change.ties)) AS one, collect(change)[0] AS change, max(looked) AS looked
WHERE looked = 1
WITH change.a AS a, change.type AS type, change.b AS b, change.on_behalf_of AS on_behalf_of, change.kind AS kind,
  change.place AS place, change.ties AS ties, change.seen AS seen
UNWIND ties AS r
RETURN CASE seen WHEN $round THEN 'appeared' ELSE 'disappeared' END AS change,
  a.id AS source, a.name AS source_name, type, b.id AS target, b.name AS target_name, on_behalf_of, kind, place,
  r.round AS round, r.start AS start, r.end AS end, r.evidence AS evidence, r.note AS note
ORDER BY source, type, target, coalesce(on_behalf_of, ''), coalesce(kind, ''), coalesce(place, ''), change,
  coalesce(start, '')
