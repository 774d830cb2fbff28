"""A faithful fake Moodle 4.5.6 web-service server for tests.

It is a real ``ThreadingHTTPServer`` on 127.0.0.1 (port 0 = a free port) that answers
``/webservice/rest/server.php`` and ``/webservice/upload.php`` the way the recorded Moodle 4.5.6
did (the contract is ``tests/fixtures/ws-transcripts/``, replayed by
``tests/test_fake_moodle_contract.py``). State is in memory and starts as the recorded site:
category 1, course REF1 (id 2) with a page (cmid 2) and a quiz (cmid 6), the admin (id 2),
student1 (id 3), the custom profile fields background/sector/researchconsent and the
38-function service. See ``docs/fake-moodle.md`` for the table of functions.

Python API
----------

>>> from tests.fake_moodle import FakeMoodle
>>> with FakeMoodle() as fake:                 # or fake = FakeMoodle().start(); fake.stop()
...     fake.url                               # 'http://127.0.0.1:54321' (no trailing slash)
...     fake.rest_url, fake.upload_url         # the two endpoints
...     fake.admin_token                       # a token for the site admin (default service)
...     token = fake.issue_token("student1")   # default service (38 functions, uploads on)
...     token = fake.issue_token("admin", ["core_webservice_get_site_info"],
...                              uploadfiles=False)   # a custom service with just these
...     user = fake.add_user("alice", firstname="Alice", customfields={"sector": "Industry"})
...     fake.expire_token(token)               # next call: accessexception, then invalidtoken
...     fake.set_debug(True)                   # error bodies gain debuginfo (DEBUG_DEVELOPER)
...     fake.faults.http_error(502, count=2)   # see tests.fake_moodle.faults for all switches
...     fake.requests[-1].path                 # log of received requests (LoggedRequest):
...     fake.requests[-1].fields               #   method, path (with query), headers, fields,
...     fake.requests_with_token_in_url()      # [] unless a token travelled in a URL
...     fake.call(token, "core_webservice_get_site_info")  # tiny built-in client
...     fake.state                             # the State (tables as dicts; lock: state.lock)
...     fake.reset()                           # back to the reference site, faults cleared

``fake.state.config`` holds site settings: ``debug``, ``maxbytes``, ``upload_max_filesize``,
``post_max_size``, ``max_input_vars`` (5000: PHP keeps 5001 fields and drops the rest, as
recorded), ``allowaccountssameemail``, ``enablecompletion``, ``maintenance``, ``rest_enabled``,
``release``/``version`` (e.g. to test ``lemma doctor`` against an old site).

Seeding helpers (``tests.fake_moodle.seed``, all take ``fake.state``): ``add_user``,
``add_category``, ``add_course``, ``add_page``, ``add_quiz``, ``enrol``, ``record_view``,
``record_quiz_attempt``, ``add_role``/``assign_role`` (custom web-service roles),
``add_profile_field`` and ``seed_cohort(state, courseid, n=30, seed=1)``, which creates N
learners with profile fields, enrolments, page views and quiz attempts spread over time.

pytest fixtures (``tests.fake_moodle.pytest_plugin``, registered in ``tests/conftest.py``)
------------------------------------------------------------------------------------------
``fake_moodle``
    function-scoped: a started server with fresh reference state, stopped after the test.
``fake_moodle_module``
    module-scoped server (faster); pair it with ``fake_moodle_reset`` or call ``.reset()``.

Run it by hand: ``python -m tests.fake_moodle --port 8123`` prints the URL and an admin token.
"""

from __future__ import annotations

from .errors import MoodleError
from .faults import Faults
from .server import FakeMoodle, LoggedRequest
from .state import State

__all__ = ["FakeMoodle", "Faults", "LoggedRequest", "MoodleError", "State"]
