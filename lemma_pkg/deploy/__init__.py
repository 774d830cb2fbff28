"""``lemma deploy``: a built course onto a live Moodle site (docs/deploy.md).

:mod:`.manifest` reads the backup, :mod:`.plan` works out what to do, :mod:`.steps` are the
steps (upload, restore, wait, verify, …), :mod:`.pipeline` runs them and finishes interrupted
deploys, :mod:`.deploylog` records them, :mod:`.export` saves learner data before a replace,
:mod:`.status` checks the log against the site, :mod:`.cli_restore` is ``--via cli``.
"""
