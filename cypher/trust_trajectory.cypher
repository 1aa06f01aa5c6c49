// name: trust_trajectory
// description: >-
//   Per NGO and place (village, school, or an official or company), how trust showed
//   over time: each distrust episode (suspicion, rumour, refusal, reporting) with its
//   dates, the state ties that came before it ended, and what followed it
//   (acceptance, participation, formalistic compliance); and each acceptance with the
//   state ties that came before it. One row per stance, in date order.
// page: {key: ngo, unless: [ngo], label: NGO}
// params:
//   ngo: {type: string, default: null, description: Only this NGO.}
//   basis: {type: string, default: null, choices: [stated, illustrative], description: Only stances with this basis.}
// notes: >-
//   Trust sources are those of trust_sources (graphmodel/trust.py); a source counts for
//   a stance when it is at the stance's place (or has no place: seen by all) and may
//   have started by the episode's end (distrust) or the acceptance's start: the
//   `starts_by` rule of graphmodel/temporal.py. For a distrust episode without an end
//   (`ended` false), `state_before` lists the sources that began by now, none of which
//   ended it. `followed` lists the acceptances at the same place that may have started
//   no earlier than the episode. Each source reads `TYPE kind by agency (start)`.
// the NGO $ngo, or else the NGOs of this run (a window of the page): n
{{ngo_or_page}}
MATCH (x)-[st:DISTRUSTS|ACCEPTS]->(n)
WHERE ($basis IS NULL OR st.basis = $basis) AND NOT x:Staged
// the sources that may be at the stance's place (those at other places could never count), read
// for NGOs with stances only: most NGOs have none
WITH n, x, st, CASE WHEN type(st) = 'DISTRUSTS' THEN st.end ELSE st.start END AS by, {{trust_sources_at(x)}} AS sources
// the sources before it, sorted (a list is sorted by unwinding, ordering and collecting again)
UNWIND CASE WHEN size(sources) = 0 THEN [null] ELSE sources END AS s
WITH DISTINCT n, x, st, CASE WHEN s IS NOT NULL AND (s.place IS NULL OR s.place = x.id) AND {{starts_by(s.start, by)}}
    THEN coalesce(s.start, '?') + ' ' + s.tie + ' ' + s.kind + ' by ' + s.agency END AS before
ORDER BY before
WITH n, x, st, collect(before) AS state_before
// what followed a distrust episode at the same place, sorted
OPTIONAL MATCH (x)-[later:ACCEPTS]->(n)
WHERE type(st) = 'DISTRUSTS' AND {{starts_by(st.start, later.start)}}
WITH n, x, st, state_before, CASE WHEN later IS NULL THEN null ELSE coalesce(later.start, '?') + ' ' + later.kind END AS after
ORDER BY after
WITH n, x, st, state_before, collect(after) AS followed
RETURN n.id AS ngo, x.id AS place, x.name AS place_name, labels(x)[0] AS place_label,
  CASE type(st) WHEN 'DISTRUSTS' THEN 'distrust' ELSE 'acceptance' END AS stance, st.kind AS kind,
  st.start AS start, st.end AS end, CASE WHEN type(st) = 'DISTRUSTS' THEN st.end IS NOT NULL END AS ended,
  st.round AS round, st.basis AS basis, st.evidence AS evidence, st.note AS note, state_before, followed
ORDER BY ngo, place, coalesce(start, ''), stance DESC, kind
