"""lemma-pkg: author a Moodle course in Markdown and GIFT, validate it, compile it to a
Moodle 4.5 backup (.mbz), deploy it through web services and report on it."""

__version__ = "0.1.0"
