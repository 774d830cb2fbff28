"""``lemma init``: the files of a new, minimal course that validates and builds.

The files live here as text (not package data) so they ship with the code and are
type-checked. ``@FULLNAME@``, ``@SHORTNAME@`` and ``@STARTDATE@`` are filled in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from lemma_pkg.errors import LemmaError

COURSE_YAML = """\
# The course: see the README's authoring guide for every key.
fullname: "@FULLNAME@"
shortname: "@SHORTNAME@"
category: Miscellaneous
summary: |
  What the course is about, for whom, and what learners will be able to do.
startdate: @STARTDATE@
language: en
licence: CC-BY-NC-4.0
authors:
  - Your Name
citation: "{authors} ({year}). {module}. In {course}."
completion: true
welcome: modules/00-welcome
modules:
  - modules/01-first-module
"""

WELCOME_MODULE = """\
title: Welcome
summary: |
  Start here: how the course works and how to study it.
items:
  - page: welcome.md
"""

WELCOME_MD = """\
---
title: Welcome to the course
---
This course is written in Markdown and compiled with `lemma`.

Math works inline, $\\bar{y} = \\frac{1}{n}\\sum_i y_i$, and on its own lines:

$$
y_{ij} = \\beta_0 + u_j + e_{ij}
$$
"""

FIRST_MODULE = """\
title: "Module 1: First steps"
summary: |
  Learning aims: know what a mean is; check your understanding with a short quiz.
restriction:
  completed: 00-welcome/welcome
  mode: recommend
items:
  - label: |
      **Read the lesson first**, then take the quiz.
  - page: lesson.md
  - quiz: first-module.gift
    title: "Module 1 quiz"
    intro: "Retake it as often as you like."
    pass: 50
    feedback:
      - {min: 50, text: "Well done: go on to the next module."}
      - {min: 0, text: "Read the lesson again, then retake the quiz."}
"""

LESSON_MD = """\
---
title: "The mean"
---
The **mean** of $n$ values $y_1, \\dots, y_n$ is

$$
\\bar{y} = \\frac{1}{n} \\sum_{i=1}^{n} y_i .
$$

| values  | mean |
| ------- | ---- |
| 2, 4, 6 | 4    |
"""

QUIZ_GIFT = """\
// Module 1 quiz. GIFT format: see `lemma gift --help`.

::mean-246::What is the mean of 2, 4 and 6? {
=4#Right: (2 + 4 + 6) / 3 is 4.
~3#No: add the values, then divide by how many there are.
~6#No: 6 is the largest value, not the mean.
}

::mean-shift::Adding 10 to every value adds 10 to the mean. {T#Wrong: every value moves up by 10, and so does the mean.#Right: the mean moves with the values.}
"""

README_MD = """\
# @FULLNAME@

A Moodle course written in Markdown and GIFT, built with `lemma`.

```sh
lemma validate .            # check everything; exit 1 on errors
lemma preview --out preview .   # a static HTML preview
lemma build .               # backups/@SHORTNAME@.mbz, to restore in Moodle
```

Lessons are in `content_src/`, quizzes in `gift_quizzes/`.
"""

FILES: dict[str, str] = {
    "README.md": README_MD,
    "content_src/course.yaml": COURSE_YAML,
    "content_src/modules/00-welcome/module.yaml": WELCOME_MODULE,
    "content_src/modules/00-welcome/welcome.md": WELCOME_MD,
    "content_src/modules/01-first-module/module.yaml": FIRST_MODULE,
    "content_src/modules/01-first-module/lesson.md": LESSON_MD,
    "gift_quizzes/first-module.gift": QUIZ_GIFT,
}


def create_project(dest: Path, fullname: str, shortname: str, startdate: dt.date) -> list[Path]:
    """Write a new course project into ``dest``; return the files written, in order.

    Refuses (and writes nothing) when any of the files already exists.
    """
    from lemma_pkg.content.loader import MAX_FULLNAME, MAX_SHORTNAME

    for label, value, limit in (
        ("fullname", fullname, MAX_FULLNAME),
        ("shortname", shortname, MAX_SHORTNAME),
    ):
        if not value.strip() or '"' in value or "\\" in value or "\n" in value:
            raise LemmaError(
                f"invalid course {label}: {value!r}",
                "use a non-empty name without double quotes, backslashes or line breaks",
            )
        if len(value) > limit:
            raise LemmaError(
                f"the course {label} is {len(value)} characters long; Moodle allows {limit}",
                f"pass a shorter --{label}",
            )
    existing = [rel for rel in FILES if (dest / rel).exists()]
    if existing:
        raise LemmaError(
            f"{dest} already has {existing[0]}"
            + (f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""),
            "choose a new or empty folder; lemma init never overwrites files",
        )
    written: list[Path] = []
    made: list[Path] = []  # folders this run created, outermost first
    try:
        for rel, text in FILES.items():
            content = (
                text.replace("@FULLNAME@", fullname)
                .replace("@SHORTNAME@", shortname)
                .replace("@STARTDATE@", startdate.isoformat())
            )
            path = dest / rel
            missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(missing))
            path.write_text(content, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        for path in written:  # nothing half-written stays behind
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise LemmaError(
            f"cannot create the course in {dest}: {exc.strerror or exc}",
            "choose a folder you can write to",
        ) from exc
    return written
