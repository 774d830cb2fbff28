"""``lemma enrol``: learners from Moodle's upload-user CSV into courses, checked first,
idempotent and resumable.

- :mod:`.csvfile` reads the file as Moodle's Upload users does (encoding, delimiter, quoting);
- :mod:`.columns` names its columns as Moodle does;
- :mod:`.roster` turns records into typed rows;
- :mod:`.sitestate` reads what the site already has (users, enrolments, groups, cohorts);
- :mod:`.checks` checks every row against Moodle's rules and the site, before any write;
- :mod:`.plan` works out what to change, and only that;
- :mod:`.apply` sends the plan in batches, bisecting a batch Moodle refuses;
- :mod:`.ledger` records each applied step with Moodle's ids (JSONL), for resuming;
- :mod:`.report` prints problems, the plan and the summary;
- :mod:`.run` ties them together;
- :mod:`.fields` turns a course's background into profile field definitions (and the
  ``lemma doctor`` check of them).
"""
