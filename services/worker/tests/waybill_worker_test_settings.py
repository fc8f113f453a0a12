"""Django settings of the worker processes that the tests start.

The test settings, with files on disk (the test and the worker are separate
processes, so in-memory storage would not be shared) and the overrides a
test asks for in ``WAYBILL_TEST_SETTINGS`` (JSON).
"""

import json
import os

from waybill_django.config.settings.test import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
globals().update(json.loads(os.environ.get("WAYBILL_TEST_SETTINGS", "{}")))
