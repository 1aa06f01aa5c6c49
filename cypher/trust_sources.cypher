// name: trust_sources
// description: >-
//   The state ties an NGO's public trust rests on, for one NGO or all: a department
//   vouching for it where the public sees it (co-branding, officials at events, a
//   displayed affiliation, an introduction, investigating and then vouching), an
//   approval that opened a village or school, and officials organising the people of
//   a place for it (a chain through the state). With the department, its level, the
//   date, interviews, basis, and the survey trust (Table 4) of the institution it
//   belongs to in 2011 and 2015.
// context: [survey_trust]
// page: {key: ngo, unless: [ngo], label: NGO}
// params:
//   ngo: {type: string, default: null, description: Only this NGO.}
//   basis: {type: string, default: null, choices: [stated, illustrative], description: Only sources with this basis (stated keeps to what the paper says).}
// notes: >-
//   The rules are those of graphmodel/trust.py (the `{{trust_sources}}` fragment):
//   `tie` is VOUCHES_FOR (with its `kind`), APPROVES with a `place` (kind `approval`),
//   INSTRUCTS to a company that has a tie to the NGO (kind `instruction`, the company
//   as `place`), or MOBILIZES for a chain through the state as in access_paths (kind `mobilisation`;
//   `agency` is the department at the chain's head, `place` the village or school, and
//   dates, round, evidence and basis those of the chain's last tie). `institution` is
//   the survey institution schema.yaml maps the department's system and level to
//   (null for self-governing village committees); `trust_2011` and `trust_2015` its
//   Table 4 shares (%), and `trust_change` their difference.
// the NGO $ngo, or else the NGOs of this run (a window of the page): n
{{ngo_or_page}}
{{trust_sources}}
UNWIND sources AS s
WITH DISTINCT n, s
WHERE $basis IS NULL OR s.basis = $basis
MATCH (a:Agency {id: s.agency})
// the place from the id index of each label it may have (a pattern without a label scans every node)
OPTIONAL MATCH (village:Village {id: s.place})
OPTIONAL MATCH (school:School {id: s.place})
OPTIONAL MATCH (company:Company {id: s.place})
WITH n, s, a, coalesce(village, school, company) AS place, {{survey_rule(a)}} AS m
RETURN n.id AS ngo, s.tie AS tie, s.kind AS kind, a.id AS agency, a.name AS agency_name, a.system AS system,
  a.level AS level, s.place AS place, place.name AS place_name, s.start AS start, s.round AS round,
  s.basis AS basis, s.evidence AS evidence, m.institution AS institution, m.trust_2011 AS trust_2011,
  m.trust_2015 AS trust_2015, round(10.0 * (m.trust_2015 - m.trust_2011)) / 10.0 AS trust_change
ORDER BY ngo, coalesce(start, ''), tie, kind, agency, coalesce(place, ''), round
