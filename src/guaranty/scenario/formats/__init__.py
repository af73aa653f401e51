"""Loaders for the formats users already have, into the same typed objects as YAML.

* the BDM actor table (CSV: ``Actor, Capability, Position, Salience``), as used by the
  expected-utility replication scripts;
* KTAB's Spatial Model of Politics CSV (line 1: name, description, actors, dimensions;
  line 2: ``Actor, Description, Power`` then position/salience pairs);
* the decide exchange model file (``#A``, ``#P``, ``#M``, ``#D`` rows, with ``#O`` and
  ``#/`` rows skipped; tab-separated, quoted or not, or semicolon-separated);
* DEU III's TSV (each row an issue, loaded as one case; row 2 holds capabilities); the
  cases of one proposal can be grouped into one multi-issue scenario (:mod:`.proposals`).

One module per format (:mod:`.bdm`, :mod:`.ktab`, :mod:`.exchange`, :mod:`.deu`) and the
helpers they share (:mod:`.common`); this package re-exports their public names.

Each loader returns a :class:`~guaranty.scenario.schema.Scenario` (DEU III a :class:`CaseSet`
of one-issue scenarios). Problems are reported as :class:`~guaranty.errors.ScenarioError`
with the file, line and field.

Choices (each documented in ``docs/scenario-format.md``):

* Saliences on a 0-100 scale (any value above 1 in a BDM table or decide file; always in KTAB
  and DEU III) are divided by 100 so that every salience lies in [0, 1].
* KTAB: its reader (``SMPModel::csvRead``) requires every salience cell in [0, 100] and an
  actor's saliences to sum to at most 100 ("no more than 100% of attention"); guaranty
  raises the same errors. One exception follows KTAB's own reading of the files it ships:
  the copy of ``dummyData_3Dim.csv`` distributed with guaranty's reference data has 105.91
  where KTAB's repository has 5.91, and KTAB's reference run echoes 5.91; so a cell in
  (100, 200] is read as its excess over 100 (the stray leading 1 dropped), and the actor's
  total is checked after that.
* BDM tables carry no scale; the issue's scale is the range of the actors' positions.
* decide files give power per actor *and issue*; it becomes the position entry's
  issue-specific ``capability``.
* DEU III: an actor without a position on an issue is absent from that issue (the models
  leave it out); a salience left blank where a position is given counts as 0.
* Line breaks: LF, CRLF and a lone CR (old Mac files) each end a line, in every format, so
  a stray CR cannot hide inside a cell; a record's line is the line it starts on. A cell may
  be as long as the file (at most ``MAX_FILE_BYTES``).

The tables are read record by record (nothing is kept but the scenario being built), and
every step is linear in the size of the file.
"""

from __future__ import annotations

from guaranty.scenario.formats.bdm import load_bdm_csv, parse_bdm_csv
from guaranty.scenario.formats.common import CaseSet
from guaranty.scenario.formats.deu import (
    DEU_ACTORS,
    iter_issue_outcomes,
    load_deu_tsv,
    parse_deu_tsv,
)
from guaranty.scenario.formats.exchange import load_exchange, parse_exchange
from guaranty.scenario.formats.ktab import load_ktab_csv, parse_ktab_csv
from guaranty.scenario.formats.proposals import ProposalGroup, group_by_proposal, groupable

__all__ = [
    "DEU_ACTORS",
    "CaseSet",
    "ProposalGroup",
    "group_by_proposal",
    "groupable",
    "iter_issue_outcomes",
    "load_bdm_csv",
    "load_deu_tsv",
    "load_exchange",
    "load_ktab_csv",
    "parse_bdm_csv",
    "parse_deu_tsv",
    "parse_exchange",
    "parse_ktab_csv",
]
