// name: as_of
// description: >-
//   The network as it stood on a date: every tie in force then, once per tie even if
//   several rounds observed it. Partial dates are honoured (see notes), so
//   -p date=2010 gives the ties in force at any time in 2010.
// context: [rounds]
// params:
//   date: {type: date, required: true, description: "A date: 2010, 2010-06 or 2010-06-15."}
//   ngo: {type: string, default: null, description: "Only ties of this NGO: from it, to it, or MOBILIZES ties on its behalf."}
// page: {key: source, unless: [ngo]}
// notes: >-
//   The one temporal rule of graphmodel/temporal.py. Every date stands for the days it
//   may mean: `2010` for 2010-01-01 to 2010-12-31, `2010-06` for June 2010. A tie is in
//   force on `date` if it may have started by the last day `date` may mean and may have
//   ended no earlier than its first day: start '2010' is in force on 2010-03-01, end
//   '2012-06' still on 2012-06-30 but not on 2012-07-01. A tie with no start
//   (administrative lines) counts as always begun. A tie with no end holds until a later
//   round revisited one of its ends (a tie of that round, interviews included, touches
//   it) without observing the tie: round_changes calls it disappeared, and here it ends
//   with the last year of the last round that saw it (2012 for round 1; `end_from` says
//   `rounds`); with no later look at its ends it is still in force. Observations of one
//   tie (same source, type, target, `on_behalf_of`, `kind` and `place`) in several rounds
//   make one tie, with the first and last round and the latest end (none if any
//   observation has none); one row per start date. Ties from interviews (WITH,
//   MENTIONS) are left out.
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
// The tie's observations, its last round and recorded end, and whether a later round looked at its ends.
WITH a, type(r) AS type, b, r.on_behalf_of AS on_behalf_of, r.kind AS kind, r.place AS place,
  collect(r) AS observations, count(r.end) AS ended, max(r.end) AS last_end, max(r.round) AS last_round
// The ties of each end are read once (the tie grouped by its ends), not once per tie there: the
// latest round that touched the end.
WITH {a: a, type: type, b: b, on_behalf_of: on_behalf_of, kind: kind, place: place, observations: observations,
  ended: ended, last_end: last_end, last_round: last_round} AS tie
UNWIND [tie.a, tie.b] AS x
WITH x, collect(tie) AS ties
WITH ties, reduce(l = 0, seen IN [(x)-[q]-(y) WHERE {{recorded(q)}} AND NOT y:Staged | q.round] | CASE WHEN seen > l THEN seen ELSE l END)
  AS latest
UNWIND ties AS tie
WITH tie, CASE WHEN latest > tie.last_round THEN 1 ELSE 0 END AS later
WITH id(head(tie.observations)) AS one, collect(tie)[0] AS tie, max(later) AS later
WITH tie.a AS a, tie.type AS type, tie.b AS b, tie.on_behalf_of AS on_behalf_of, tie.kind AS kind, tie.place AS place,
  tie.observations AS observations, tie.ended AS ended, tie.last_end AS last_end, tie.last_round AS last_round,
  later = 1 AS revisited
WITH a, type, b, on_behalf_of, kind, place, observations, last_round,
  CASE WHEN ended = size(observations) THEN last_end WHEN revisited THEN {{round_end(last_round)}} END AS end,
  CASE WHEN ended = size(observations) THEN 'recorded' WHEN revisited THEN 'rounds' END AS end_from
UNWIND observations AS r
WITH a, type, b, on_behalf_of, kind, place, end, end_from, r
WHERE {{in_force(r.start, end, $date)}}
WITH a, type, b, r.start AS start, on_behalf_of, kind, place, end, end_from,
  min(r.round) AS first_round, max(r.round) AS last_round
RETURN a.id AS source, labels(a)[0] AS source_label, type, b.id AS target, labels(b)[0] AS target_label,
  on_behalf_of, kind, place, start, end, end_from, first_round, last_round
ORDER BY source, type, target, coalesce(start, ''), coalesce(on_behalf_of, ''), coalesce(kind, ''), coalesce(place, '')
